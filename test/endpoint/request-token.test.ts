import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { requestToken } from '../../src/endpoint/request-token.js';
import { normalizeTransport, type Transport } from '../../src/endpoint/transport.js';
import { ErrorCode, NetworkError, OAuthError, TokenResponseError, isTokenkeeperError } from '../../src/errors.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import { CLIENT_ID, FAST, GRANT, decodeBasic, hangingEndpoint, provider, rejectionOf, transport } from '../_helpers/endpoint.js';
import { SECRET, TOKEN_URL, createTokenEndpoint, useMockServer } from '../_helpers/token-server.js';

/** How a promise settles within `ms`: a pending result instead of a hung test when it never does. */
async function settleWithin(promise: Promise<unknown>, ms: number) {
	const start = performance.now();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const pending = new Promise<{ state: 'pending' }>((resolve) => {
		timer = setTimeout(() => resolve({ state: 'pending' }), ms);
	});
	const settled = promise.then(
		(value) => ({ state: 'resolved' as const, value, ms: performance.now() - start }),
		(error: unknown) => ({ state: 'rejected' as const, error, ms: performance.now() - start }),
	);
	try {
		return await Promise.race([settled, pending]);
	} finally {
		clearTimeout(timer);
	}
}

/** The rejection of `promise`; given `ms`, it must come within `ms` (`pending` fails the test instead of hanging it). */
async function rejectionWithin(promise: Promise<unknown>, ms: number | undefined): Promise<unknown> {
	if (ms === undefined) return (await rejectionOf(promise)).error;
	const result = await settleWithin(promise, ms);
	expect(result.state).toBe('rejected');
	return result.state === 'rejected' ? result.error : undefined;
}

/** A 200 whose headers arrive at once and whose JSON body never ends. */
function stalledBodyEndpoint() {
	const state = { requests: 0 };
	const handler = http.post(TOKEN_URL, () => {
		state.requests += 1;
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('{"access_token":"AT-'));
			},
		});
		return new HttpResponse(body, { status: 200, headers: { 'content-type': 'application/json' } });
	});
	return { handler, state };
}

/** Resolves when `count()` reaches `target`, checking every millisecond; bounded by `ms`. */
async function until(count: () => number, target: number, ms = 2_000): Promise<void> {
	const deadline = performance.now() + ms;
	while (count() < target) {
		if (performance.now() > deadline) throw new Error(`timed out waiting for ${target}, got ${count()}`);
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
}

const server = useMockServer();

describe('requestToken', () => {
	it('success: the server sees the form body with client credentials, once', async () => {
		const endpoint = createTokenEndpoint();
		server.use(endpoint.handler);
		const tokenSet = await requestToken(provider('body'), GRANT, transport());
		expect(tokenSet.accessToken).toBe('access-1');
		expect(tokenSet.tokenType).toBe('Bearer');
		expect(endpoint.seen).toHaveLength(1);
		expect(endpoint.seen[0]!.contentType).toBe('application/x-www-form-urlencoded');
		expect(endpoint.seen[0]!.params).toEqual({ ...GRANT, client_id: CLIENT_ID, client_secret: SECRET });
	});

	it('Basic over the wire: the server decodes id `food-crunch:default` and a secret with `:`, `+`, space and `%`', async () => {
		const secret = 'a:b+c d%e';
		const endpoint = createTokenEndpoint();
		server.use(endpoint.handler);
		const p = oauth2({ tokenEndpoint: TOKEN_URL, clientId: CLIENT_ID, clientSecret: secret, clientAuth: 'basic' });
		await requestToken(p, GRANT, transport());
		expect(endpoint.seen).toHaveLength(1);
		expect(decodeBasic(endpoint.seen[0]!.authorization)).toMatchObject({ id: CLIENT_ID, secret });
		expect(endpoint.seen[0]!.params).toEqual(GRANT);
	});

	it('JSON over the wire: the server sees application/json', async () => {
		const endpoint = createTokenEndpoint();
		server.use(endpoint.handler);
		await requestToken(provider('body', { bodyEncoding: 'json' }), GRANT, transport());
		expect(endpoint.seen).toHaveLength(1);
		expect(endpoint.seen[0]!.contentType).toBe('application/json');
		expect(endpoint.seen[0]!.params).toEqual({ ...GRANT, client_id: CLIENT_ID, client_secret: SECRET });
	});

	it('rule 6: 503 twice then 200 -> success after exactly 3 requests', async () => {
		const endpoint = createTokenEndpoint();
		const unavailable = () => new HttpResponse('<h1>Service Unavailable</h1>', { status: 503, headers: { 'content-type': 'text/html' } });
		endpoint.respond(unavailable, unavailable, () => endpoint.issue());
		server.use(endpoint.handler);
		const tokenSet = await requestToken(provider(), GRANT, transport());
		expect(tokenSet.accessToken).toBe('access-1');
		expect(endpoint.seen).toHaveLength(3);
	});

	it('rule 6: 500 with an OAuth `server_error` body is transient too -> retried', async () => {
		const endpoint = createTokenEndpoint();
		endpoint.respond(
			() => HttpResponse.json({ error: 'server_error' }, { status: 500 }),
			() => endpoint.issue(),
		);
		server.use(endpoint.handler);
		await expect(requestToken(provider(), GRANT, transport())).resolves.toMatchObject({ accessToken: 'access-1' });
		expect(endpoint.seen).toHaveLength(2);
	});

	it('rule 6: 429 with `Retry-After: 1` -> waits at least 1 s, then succeeds', { timeout: 5_000 }, async () => {
		const endpoint = createTokenEndpoint();
		const times: number[] = [];
		endpoint.respond(
			() => {
				times.push(performance.now());
				return HttpResponse.json({ error: 'slow_down' }, { status: 429, headers: { 'retry-after': '1' } });
			},
			() => {
				times.push(performance.now());
				return endpoint.issue();
			},
		);
		server.use(endpoint.handler);
		const tokenSet = await requestToken(provider(), GRANT, transport());
		expect(tokenSet.accessToken).toBe('access-1');
		expect(endpoint.seen).toHaveLength(2);
		expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
		expect(times[1]! - times[0]!).toBeLessThan(3_000);
	});

	it('rule 6: Retry-After longer than maxRetryAfter -> no retry, the error at once', async () => {
		const endpoint = createTokenEndpoint();
		endpoint.respond(
			() => new HttpResponse('Too Many Requests', { status: 429, headers: { 'retry-after': '120', 'content-type': 'text/plain' } }),
		);
		server.use(endpoint.handler);
		const { error, ms } = await rejectionOf(requestToken(provider(), GRANT, transport({ retry: { ...FAST, maxRetryAfter: 1_000 } })));
		expect(endpoint.seen).toHaveLength(1);
		expect(ms).toBeLessThan(500);
		expect(error).toBeInstanceOf(TokenResponseError);
		expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		expect((error as TokenResponseError).status).toBe(429);
	});

	it('rule 6: 400 invalid_client -> OAuthError after exactly 1 request (never retried)', async () => {
		const endpoint = createTokenEndpoint();
		endpoint.respond(() => HttpResponse.json({ error: 'invalid_client', error_description: 'Unknown client.' }, { status: 400 }));
		server.use(endpoint.handler);
		const { error } = await rejectionOf(requestToken(provider(), GRANT, transport()));
		expect(endpoint.seen).toHaveLength(1);
		expect(error).toBeInstanceOf(OAuthError);
		expect(error).toMatchObject({ code: ErrorCode.OAuth, error: 'invalid_client', errorDescription: 'Unknown client.', status: 400 });
	});

	it('rule 6: persistent 503 -> TokenResponseError 503 after retries + 1 requests, saying how many attempts', async () => {
		const endpoint = createTokenEndpoint();
		endpoint.respond(() => new HttpResponse('<h1>Service Unavailable</h1>', { status: 503, headers: { 'content-type': 'text/html' } }));
		server.use(endpoint.handler);
		const { error } = await rejectionOf(requestToken(provider(), GRANT, transport()));
		expect(endpoint.seen).toHaveLength(3);
		expect(error).toBeInstanceOf(TokenResponseError);
		expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		expect((error as TokenResponseError).status).toBe(503);
		expect((error as Error).message).toMatch(/\b3 attempts\b/);
	});

	it('rule 6: persistent 500 OAuth server_error -> OAuthError kept, with the attempts in the message', async () => {
		const endpoint = createTokenEndpoint();
		endpoint.respond(() => HttpResponse.json({ error: 'server_error', error_description: 'db down' }, { status: 500 }));
		server.use(endpoint.handler);
		const { error } = await rejectionOf(requestToken(provider(), GRANT, transport()));
		expect(endpoint.seen).toHaveLength(3);
		expect(error).toBeInstanceOf(OAuthError);
		expect(error).toMatchObject({ code: ErrorCode.OAuth, error: 'server_error', errorDescription: 'db down', status: 500 });
		expect((error as Error).message).toMatch(/\b3 attempts\b/);
	});

	it('rule 6: network error -> NetworkError ERR_NETWORK with attempts = retries + 1', async () => {
		let requests = 0;
		server.use(
			http.post(TOKEN_URL, () => {
				requests += 1;
				return HttpResponse.error();
			}),
		);
		const { error } = await rejectionOf(requestToken(provider(), GRANT, transport()));
		expect(requests).toBe(3);
		expect(error).toBeInstanceOf(NetworkError);
		expect(isTokenkeeperError(error)).toBe(true);
		expect((error as NetworkError).code).toBe(ErrorCode.Network);
		expect((error as NetworkError).attempts).toBe(3);
		expect((error as Error).message).toMatch(/auth\.test/);
		expect((error as Error).message).toMatch(/\b3 attempts\b/);
	});

	it('rule 6: a hanging server with timeout 100 -> NetworkError ERR_TIMEOUT within a bound', async () => {
		const { handler, state } = hangingEndpoint();
		server.use(handler);
		const { error, ms } = await rejectionOf(requestToken(provider(), GRANT, transport({ timeout: 100 })));
		expect(error).toBeInstanceOf(NetworkError);
		expect((error as NetworkError).code).toBe(ErrorCode.Timeout);
		expect((error as NetworkError).attempts).toBe(3);
		expect(state.requests).toBe(3);
		expect(state.aborted).toBe(3);
		expect(ms).toBeGreaterThanOrEqual(290);
		expect(ms).toBeLessThan(2_000);
		expect((error as Error).message).toMatch(/timeout/);
	});

	it('rule 6: every request has a timeout, the body included: headers then a stalled body -> ERR_TIMEOUT', async () => {
		const { handler, state } = stalledBodyEndpoint();
		server.use(handler);
		const result = await settleWithin(requestToken(provider(), GRANT, transport({ timeout: 100 })), 2_000);
		expect(result.state).toBe('rejected');
		if (result.state !== 'rejected') return;
		expect(result.error).toBeInstanceOf(NetworkError);
		expect((result.error as NetworkError).code).toBe(ErrorCode.Timeout);
		expect((result.error as NetworkError).attempts).toBe(3);
		expect(state.requests).toBe(3);
	});

	it('redirects: a token endpoint that redirects elsewhere never gets the client secret re-sent (redirect mode is not "follow")', async () => {
		// Node's fetch (undici) follows a cross-origin 307/308 for a POST and sends the same body - with client_secret -
		// to the new host (checked against two local servers). msw cannot replay a request body on redirect, so the
		// fetch is observed instead: the token request must be sent with `redirect: 'manual'` or `'error'`.
		const modes: RequestRedirect[] = [];
		const observingFetch: typeof fetch = (input, init) => {
			modes.push(init?.redirect ?? (input instanceof Request ? input.redirect : 'follow'));
			return globalThis.fetch(input, init);
		};
		const stolen: string[] = [];
		server.use(
			http.post(TOKEN_URL, () => new HttpResponse(null, { status: 307, headers: { location: 'https://evil.test/steal' } })),
			http.post('https://evil.test/steal', async ({ request }) => {
				stolen.push(await request.text());
				return HttpResponse.json({ access_token: 'x', token_type: 'Bearer' });
			}),
		);
		const observed = normalizeTransport({ fetch: observingFetch, retry: FAST, timeout: 200 });
		const { error } = await rejectionOf(requestToken(provider('body'), GRANT, observed));
		expect(isTokenkeeperError(error)).toBe(true);
		expect(stolen).toEqual([]);
		expect(modes.length).toBeGreaterThanOrEqual(1);
		for (const mode of modes) expect(mode).not.toBe('follow');
	});

	describe("caller AbortSignal: rejects at once with the signal's reason", () => {
		/**
		 * One moment at which a caller can abort a token request; each must reject within 1 s with the caller's reason: far
		 * below what an unnoticed abort costs (a 5 s timeout, a 10 s backoff, a 30 s Retry-After), with room for a loaded machine.
		 */
		interface AbortCase {
			readonly name: string;
			/** Installs the endpoint; returns the transport to call it with and how many requests it has seen. */
			readonly setup: () => { transport: Transport; requests: () => number };
			/** Before the call, as soon as the first request arrives, or 20 ms after it (a stalled body, a wait to retry). */
			readonly abortWhen: 'before the call' | 'on the first request' | '20 ms after the first request';
			/** The requests the server has seen once the call rejected; `undefined` where the case does not count them. */
			readonly expectedRequests: number | undefined;
			/** A bound on the whole call, so that an abort that is never noticed fails the test instead of hanging it. */
			readonly settlesWithin?: number;
		}

		const abortCases: AbortCase[] = [
			{
				name: 'an already aborted signal -> rejects without sending a request',
				setup: () => {
					const endpoint = createTokenEndpoint();
					server.use(endpoint.handler);
					return { transport: transport(), requests: () => endpoint.seen.length };
				},
				abortWhen: 'before the call',
				expectedRequests: 0,
			},
			{
				name: 'aborted mid-request while the server hangs -> < 1 s, no retry',
				setup: () => {
					const { handler, state } = hangingEndpoint();
					server.use(handler);
					return { transport: transport({ timeout: 5_000 }), requests: () => state.requests };
				},
				abortWhen: 'on the first request',
				expectedRequests: 1,
			},
			{
				name: 'aborted while the body is stalled after the headers -> < 1 s',
				setup: () => {
					const { handler, state } = stalledBodyEndpoint();
					server.use(handler);
					return { transport: transport({ timeout: 5_000 }), requests: () => state.requests };
				},
				abortWhen: '20 ms after the first request',
				expectedRequests: undefined,
				settlesWithin: 1_000,
			},
			{
				name: 'aborted during the backoff delay after a 503 -> < 1 s, no second request',
				setup: () => {
					const endpoint = createTokenEndpoint();
					endpoint.respond(() => new HttpResponse('busy', { status: 503 }));
					server.use(endpoint.handler);
					const slowBackoff = transport({ retry: { retries: 2, minTimeout: 10_000, maxTimeout: 10_000 } });
					return { transport: slowBackoff, requests: () => endpoint.seen.length };
				},
				abortWhen: '20 ms after the first request',
				expectedRequests: 1,
			},
			{
				name: 'aborted while honouring Retry-After -> < 1 s, no second request',
				setup: () => {
					const endpoint = createTokenEndpoint();
					endpoint.respond(() => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '30' } }));
					server.use(endpoint.handler);
					return { transport: transport(), requests: () => endpoint.seen.length };
				},
				abortWhen: '20 ms after the first request',
				expectedRequests: 1,
			},
		];

		for (const { name, setup, abortWhen, expectedRequests, settlesWithin } of abortCases) {
			it(name, async () => {
				const { transport: caseTransport, requests } = setup();
				const controller = new AbortController();
				const reason = new Error('caller gave up');
				if (abortWhen === 'before the call') controller.abort(reason);
				let abortedAt = performance.now();
				const pending = rejectionWithin(requestToken(provider(), GRANT, caseTransport, controller.signal), settlesWithin);
				if (abortWhen !== 'before the call') {
					await until(requests, 1);
					if (abortWhen === '20 ms after the first request') await new Promise((resolve) => setTimeout(resolve, 20));
					abortedAt = performance.now();
					controller.abort(reason);
				}
				const error = await pending;
				expect(performance.now() - abortedAt).toBeLessThan(1_000);
				expect(error).toBe(reason);
				if (expectedRequests !== undefined) expect(requests()).toBe(expectedRequests);
			});
		}

		it('a DOMException reason (abort() without argument) is passed through as is', async () => {
			const { handler, state } = hangingEndpoint();
			server.use(handler);
			const controller = new AbortController();
			const pending = rejectionOf(requestToken(provider(), GRANT, transport({ timeout: 5_000 }), controller.signal));
			await until(() => state.requests, 1);
			controller.abort();
			const { error } = await pending;
			expect(error).toBe(controller.signal.reason);
			expect((error as DOMException).name).toBe('AbortError');
		});
	});
});
