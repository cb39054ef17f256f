import { oauth2, type OAuth2Options } from '../../src/index.js';
import { TOKEN_URL, SECRET } from './token-server.js';

/** Fast retries for tests: the same code paths, without seconds of backoff. */
export const FAST = { retry: { retries: 2, minTimeout: 1, maxTimeout: 5 }, timeout: 500 } as const;

/** A client-credentials provider against the msw token endpoint. */
export function testProvider(options: Partial<OAuth2Options> = {}) {
	return oauth2({
		tokenEndpoint: TOKEN_URL,
		clientId: 'app:client',
		clientSecret: SECRET,
		clientAuth: 'body',
		...options,
	} as OAuth2Options);
}

/** A clock the test moves by hand. */
export function createClock(start = Date.UTC(2026, 10, 23, 12)) {
	let now = start;
	return {
		now: () => now,
		advance(ms: number) {
			now += ms;
		},
		set(ms: number) {
			now = ms;
		},
	};
}
