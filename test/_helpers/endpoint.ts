import { http } from 'msw';
import { expect } from 'vitest';
import { normalizeTransport, type RetryOptions } from '../../src/endpoint/transport.js';
import type { GrantParameters } from '../../src/grants.js';
import type { ClientAuthentication, Provider } from '../../src/provider.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import { SECRET, TOKEN_URL } from './token-server.js';

export const CLIENT_ID = 'food-crunch:default';
export const GRANT: GrantParameters = { grant_type: 'client_credentials', scope: 'squidex-api' };
/** Small delays: 2 retries, 1-5 ms backoff, 200 ms per attempt. */
export const FAST: RetryOptions = { retries: 2, minTimeout: 1, maxTimeout: 5 };

export function provider(clientAuth: ClientAuthentication = 'body', extra: Partial<Parameters<typeof oauth2>[0]> = {}): Provider {
	return oauth2({
		tokenEndpoint: TOKEN_URL,
		clientId: CLIENT_ID,
		clientSecret: clientAuth === 'none' ? undefined : SECRET,
		clientAuth,
		...extra,
	});
}

export function transport(options: { retry?: RetryOptions; timeout?: number } = {}) {
	return normalizeTransport({ retry: options.retry ?? FAST, timeout: options.timeout ?? 200 });
}

/** Await a promise that must reject; return the rejection and how long it took. */
export async function rejectionOf(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
	const start = performance.now();
	try {
		await promise;
	} catch (error) {
		return { error, ms: performance.now() - start };
	}
	throw new Error('expected a rejection');
}

/** RFC 6749 2.3.1 in reverse: base64-decode, split at the first colon, form-decode each part. */
export function decodeBasic(header: string | null): { id: string; secret: string; pair: string } {
	expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
	const pair = Buffer.from(header!.slice('Basic '.length), 'base64').toString('utf8');
	const colon = pair.indexOf(':');
	const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
	return { id: formDecode(pair.slice(0, colon)), secret: formDecode(pair.slice(colon + 1)), pair };
}

/** A token endpoint that never answers; it settles quietly once the request is aborted (timeout or caller). */
export function hangingEndpoint() {
	const state = { requests: 0, aborted: 0 };
	const handler = http.post(TOKEN_URL, ({ request }) => {
		state.requests += 1;
		return new Promise<Response>((resolve) => {
			request.signal.addEventListener(
				'abort',
				() => {
					state.aborted += 1;
					resolve(new Response(null, { status: 499 }));
				},
				{ once: true },
			);
		});
	});
	return { handler, state };
}
