// A CommonJS module of a TypeScript project (`module` node16 or nodenext, `skipLibCheck` off): its imports compile
// to require(), so tokenkeeper's types come from the .d.cts files. ky is ESM-only: a CommonJS file takes its types
// with `resolution-mode` (TypeScript 5.3 or later), as tokenkeeper's own .d.cts files do.
// Not tokenkeeper/testing: under node16, msw's own CommonJS declarations fail (TS1479 on rettime, an ESM-only
// package they import), in any CommonJS file that reaches them; consumer.mts covers it.
import type { KyInstance, Options } from 'ky' with { 'resolution-mode': 'import' };
import {
	createClient,
	createTokenManager,
	isOAuthError,
	isTokenkeeperError,
	OAuthError,
	squidex,
	type TokenManager,
	type TokenSet,
} from 'tokenkeeper';
import { defaultSessionDir, FileTokenStore } from 'tokenkeeper/file';
import { instrument } from 'tokenkeeper/otel';
import { computeCodeChallenge } from 'tokenkeeper/pkce';
import { RedisTokenStore, type RedisTokenStoreOptions } from 'tokenkeeper/redis';

const hooks: Options['hooks'] = {
	beforeRequest: [
		(request) => {
			request.headers.set('x-request-id', '1');
		},
	],
};
const store = new FileTokenStore({ dir: defaultSessionDir({ TOKENKEEPER_HOME: '/tmp/tokenkeeper-consumer' }) });
const tokens: TokenManager = createTokenManager(squidex({ url: 'http://127.0.0.1:7357', clientId: 'a:b', clientSecret: 's' }), { store });
export const api: KyInstance = createClient({ prefixUrl: 'http://127.0.0.1:7357/api/', auth: tokens, hooks });

const redisOptions: RedisTokenStoreOptions = { keyPrefix: 'consumer:' };
export const shared = new RedisTokenStore({ url: 'redis://127.0.0.1:6379' }, redisOptions);
export const stop: () => void = instrument();

export async function expiry(): Promise<number | undefined> {
	const set: TokenSet = await tokens.getToken();
	// @ts-expect-error `expiresAt` may be undefined: a token response need not say when the token expires.
	const always: number = set.expiresAt;
	void always;
	return set.expiresAt;
}

export function describe(error: unknown): string {
	if (error instanceof OAuthError) return `${error.code} ${error.error}`;
	if (isOAuthError(error)) return error.error;
	return isTokenkeeperError(error) ? error.code : 'not tokenkeeper';
}

export async function challenge(): Promise<string> {
	return computeCodeChallenge('verifier');
}
