import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestToken } from '../../src/endpoint/request-token.js';
import { buildTokenRequest } from '../../src/endpoint/token-request.js';
import { normalizeTransport, type RetryOptions } from '../../src/endpoint/transport.js';
import { ErrorCode, NetworkError, OAuthError, TokenResponseError, isTokenkeeperError } from '../../src/errors.js';
import type { ClientAuthentication, Provider } from '../../src/provider.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import type { GrantParameters } from '../../src/grants.js';
import { SECRET, TOKEN_URL, createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

const CLIENT_ID = 'food-crunch:default';
const GRANT: GrantParameters = { grant_type: 'client_credentials', scope: 'squidex-api' };
/** Small delays: 2 retries, 1-5 ms backoff, 200 ms per attempt. */
const FAST: RetryOptions = { retries: 2, minTimeout: 1, maxTimeout: 5 };

function provider(clientAuth: ClientAuthentication = 'body', extra: Partial<Parameters<typeof oauth2>[0]> = {}): Provider {
	return oauth2({
		tokenEndpoint: TOKEN_URL,
		clientId: CLIENT_ID,
		clientSecret: clientAuth === 'none' ? undefined : SECRET,
		clientAuth,
		...extra,
	});
}

function transport(options: { retry?: RetryOptions; timeout?: number } = {}) {
	return normalizeTransport({ retry: options.retry ?? FAST, timeout: options.timeout ?? 200 });
}

/** Await a promise that must reject; return the rejection and how long it took. */
async function rejectionOf(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
	const start = performance.now();
	try {
		await promise;
	} catch (error) {
		return { error, ms: performance.now() - start };
	}
	throw new Error('expected a rejection');
}

/** RFC 6749 2.3.1 in reverse: base64-decode, split at the first colon, form-decode each part. */
function decodeBasic(header: string | null): { id: string; secret: string; pair: string } {
	expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
	const pair = Buffer.from(header!.slice('Basic '.length), 'base64').toString('utf8');
	const colon = pair.indexOf(':');
	const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
	return { id: formDecode(pair.slice(0, colon)), secret: formDecode(pair.slice(colon + 1)), pair };
}

/** A token endpoint that never answers; it settles quietly once the request is aborted (timeout or caller). */
function hangingEndpoint() {
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

let server: ReturnType<typeof startMockServer>;
beforeAll(() => {
	server = startMockServer();
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('buildTokenRequest', () => {
	it('form encoding (default): application/x-www-form-urlencoded body, Accept JSON, undefined parameters dropped', () => {
		const request = buildTokenRequest(provider('none'), TOKEN_URL, { grant_type: 'client_credentials', scope: 'a b', audience: undefined });
		expect(request.url).toBe(TOKEN_URL);
		expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(request.headers.accept).toBe('application/json');
		expect(request.body).toBe('grant_type=client_credentials&scope=a+b&client_id=food-crunch%3Adefault');
		expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
			grant_type: 'client_credentials',
			scope: 'a b',
			client_id: CLIENT_ID,
		});
	});

	it('JSON encoding (Dotkernel): application/json body with the same parameters', () => {
		const request = buildTokenRequest(provider('body', { bodyEncoding: 'json' }), TOKEN_URL, {
			grant_type: 'password',
			username: 'test@dotkernel.com',
			password: 'dotkernel',
			scope: undefined,
		});
		expect(request.headers['content-type']).toBe('application/json');
		expect(JSON.parse(request.body)).toEqual({
			grant_type: 'password',
			username: 'test@dotkernel.com',
			password: 'dotkernel',
			client_id: CLIENT_ID,
			client_secret: SECRET,
		});
		expect(request.headers.authorization).toBeUndefined();
	});

	it('client auth `body`: client_id and client_secret in the body, no Authorization header', () => {
		const request = buildTokenRequest(provider('body'), TOKEN_URL, GRANT);
		const params = Object.fromEntries(new URLSearchParams(request.body));
		expect(params.client_id).toBe(CLIENT_ID);
		expect(params.client_secret).toBe(SECRET);
		expect(request.headers.authorization).toBeUndefined();
	});

	it('client auth `basic`: Authorization header, neither client_id nor client_secret in the body', () => {
		const request = buildTokenRequest(provider('basic'), TOKEN_URL, GRANT);
		const params = Object.fromEntries(new URLSearchParams(request.body));
		expect(params).toEqual({ grant_type: 'client_credentials', scope: 'squidex-api' });
		expect(decodeBasic(request.headers.authorization!)).toMatchObject({ id: CLIENT_ID, secret: SECRET });
	});

	it('client auth `none` (public client): client_id only, no secret anywhere', () => {
		const request = buildTokenRequest(provider('none'), TOKEN_URL, GRANT);
		const params = Object.fromEntries(new URLSearchParams(request.body));
		expect(params.client_id).toBe(CLIENT_ID);
		expect(params).not.toHaveProperty('client_secret');
		expect(request.headers.authorization).toBeUndefined();
	});

	it('RFC 6749 2.3.1: Basic form-encodes id and secret before base64 (colon in id; `:`, `+`, space, `%` in secret)', () => {
		const secret = 'p:a+s s%w0rd/=~';
		const p = oauth2({ tokenEndpoint: TOKEN_URL, clientId: CLIENT_ID, clientSecret: secret, clientAuth: 'basic' });
		const { authorization } = buildTokenRequest(p, TOKEN_URL, GRANT).headers;
		const decoded = decodeBasic(authorization!);
		expect(decoded.pair).toBe('food-crunch%3Adefault:p%3Aa%2Bs+s%25w0rd%2F%3D%7E');
		// Exactly one raw colon: the separator. A server splitting at the first colon gets the whole id.
		expect(decoded.pair.split(':')).toHaveLength(2);
		expect(decoded.id).toBe(CLIENT_ID);
		expect(decoded.secret).toBe(secret);
	});

	it('RFC 6749 2.3.1: non-ASCII characters are UTF-8 percent-encoded (btoa never sees them)', () => {
		const p = oauth2({ tokenEndpoint: TOKEN_URL, clientId: 'app:clïent', clientSecret: 'sécret€', clientAuth: 'basic' });
		const decoded = decodeBasic(buildTokenRequest(p, TOKEN_URL, GRANT).headers.authorization!);
		expect(decoded).toMatchObject({ id: 'app:clïent', secret: 'sécret€' });
	});
});

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
		endpoint.respond(() => HttpResponse.json({ error: 'server_error' }, { status: 500 }), () => endpoint.issue());
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
		endpoint.respond(() => new HttpResponse('Too Many Requests', { status: 429, headers: { 'retry-after': '120', 'content-type': 'text/plain' } }));
		server.use(endpoint.handler);
		const { error, ms } = await rejectionOf(
			requestToken(provider(), GRANT, transport({ retry: { ...FAST, maxRetryAfter: 1_000 } })),
		);
		expect(endpoint.seen).toHaveLength(1);
		expect(ms).toBeLessThan(500);
		expect(error).toBeInstanceOf(TokenResponseError);
		expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		expect((error as TokenResponseError).status).toBe(429);
	});

	it('rule 6: 400 invalid_client -> OAuthError after exactly 1 request (never retried)', async () => {
		const endpoint = createTokenEndpoint();
		endpoint.respond(() =>
			HttpResponse.json({ error: 'invalid_client', error_description: 'Unknown client.' }, { status: 400 }),
		);
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

	describe('caller AbortSignal: rejects at once with the signal\'s reason', () => {
		it('an already aborted signal -> rejects without sending a request', async () => {
			const endpoint = createTokenEndpoint();
			server.use(endpoint.handler);
			const reason = new Error('caller gave up');
			const { error, ms } = await rejectionOf(requestToken(provider(), GRANT, transport(), AbortSignal.abort(reason)));
			expect(error).toBe(reason);
			expect(ms).toBeLessThan(100);
			expect(endpoint.seen).toHaveLength(0);
		});

		it('aborted mid-request while the server hangs -> < 100 ms, no retry', async () => {
			const { handler, state } = hangingEndpoint();
			server.use(handler);
			const controller = new AbortController();
			const reason = new Error('caller gave up');
			const pending = rejectionOf(
				requestToken(provider(), GRANT, transport({ timeout: 5_000 }), controller.signal),
			);
			await until(() => state.requests, 1);
			const abortedAt = performance.now();
			controller.abort(reason);
			const { error } = await pending;
			expect(performance.now() - abortedAt).toBeLessThan(100);
			expect(error).toBe(reason);
			expect(state.requests).toBe(1);
		});

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

		it('aborted while the body is stalled after the headers -> < 100 ms', async () => {
			const { handler, state } = stalledBodyEndpoint();
			server.use(handler);
			const controller = new AbortController();
			const reason = new Error('caller gave up');
			const pending = settleWithin(
				requestToken(provider(), GRANT, transport({ timeout: 5_000 }), controller.signal),
				1_000,
			);
			await until(() => state.requests, 1);
			await new Promise((resolve) => setTimeout(resolve, 20));
			const abortedAt = performance.now();
			controller.abort(reason);
			const result = await pending;
			expect(result.state).toBe('rejected');
			if (result.state !== 'rejected') return;
			expect(performance.now() - abortedAt).toBeLessThan(100);
			expect(result.error).toBe(reason);
		});

		it('aborted during the backoff delay after a 503 -> < 100 ms, no second request', async () => {
			const endpoint = createTokenEndpoint();
			endpoint.respond(() => new HttpResponse('busy', { status: 503 }));
			server.use(endpoint.handler);
			const controller = new AbortController();
			const reason = new Error('caller gave up');
			const slowBackoff = transport({ retry: { retries: 2, minTimeout: 10_000, maxTimeout: 10_000 } });
			const pending = rejectionOf(requestToken(provider(), GRANT, slowBackoff, controller.signal));
			await until(() => endpoint.seen.length, 1);
			await new Promise((resolve) => setTimeout(resolve, 20));
			const abortedAt = performance.now();
			controller.abort(reason);
			const { error } = await pending;
			expect(performance.now() - abortedAt).toBeLessThan(100);
			expect(error).toBe(reason);
			expect(endpoint.seen).toHaveLength(1);
		});

		it('aborted while honouring Retry-After -> < 100 ms, no second request', async () => {
			const endpoint = createTokenEndpoint();
			endpoint.respond(() => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '30' } }));
			server.use(endpoint.handler);
			const controller = new AbortController();
			const reason = new Error('caller gave up');
			const pending = rejectionOf(requestToken(provider(), GRANT, transport(), controller.signal));
			await until(() => endpoint.seen.length, 1);
			await new Promise((resolve) => setTimeout(resolve, 20));
			const abortedAt = performance.now();
			controller.abort(reason);
			const { error } = await pending;
			expect(performance.now() - abortedAt).toBeLessThan(100);
			expect(error).toBe(reason);
			expect(endpoint.seen).toHaveLength(1);
		});
	});
});

describe('normalizeTransport (options validated once, at construction)', () => {
	it('defaults: 3 retries, 250 ms - 5 s backoff, Retry-After up to 60 s, 10 s timeout', () => {
		const defaults = normalizeTransport();
		expect(defaults.timeout).toBe(10_000);
		expect(defaults.retry).toEqual({ retries: 3, minTimeout: 250, maxTimeout: 5_000, maxRetryAfter: 60_000 });
		expect(normalizeTransport({ retry: 1 }).retry.retries).toBe(1);
	});

	it.each([
		['timeout', { timeout: -1 }],
		['retry.retries', { retry: -1 }],
		['retry.minTimeout', { retry: { minTimeout: Number.NaN } }],
		['retry.maxRetryAfter', { retry: { maxRetryAfter: Number.POSITIVE_INFINITY } }],
	])('%s out of range -> TypeError with a uniform message', (name, options) => {
		expect(() => normalizeTransport(options)).toThrow(new TypeError(`Expected \`${name}\` to be a non-negative number`));
	});

	it('rule 9: a timeout above 2^31-1 ms -> TypeError at construction, not a misleading network error on every request', () => {
		expect(() => normalizeTransport({ timeout: 2 ** 31 })).toThrow(TypeError);
		expect(() => normalizeTransport({ timeout: 2 ** 31 - 1 })).not.toThrow();
	});
});

describe('secret hygiene: the client secret is in no failure', () => {
	it('the check itself finds a secret hidden in a non-enumerable field of a cause', () => {
		const cause = new Error('socket hang up');
		Object.defineProperty(cause, 'request', { value: { body: `client_secret=${SECRET}` }, enumerable: false });
		const error = new NetworkError('could not be reached', { attempts: 1, cause });
		expect(renderings(error).some((text) => text.includes(SECRET))).toBe(true);
	});

	/** Each way the token request can fail, with what the mock server does. */
	const failures: Array<[string, () => { requestTransport?: ReturnType<typeof transport> }]> = [
		['400 invalid_client', () => {
			server.use(http.post(TOKEN_URL, () => HttpResponse.json({ error: 'invalid_client', error_description: 'Unknown client.' }, { status: 400 })));
			return {};
		}],
		['401 without body', () => {
			server.use(http.post(TOKEN_URL, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="token"' } })));
			return {};
		}],
		['persistent 503 HTML', () => {
			server.use(http.post(TOKEN_URL, () => new HttpResponse('<h1>Service Unavailable</h1>', { status: 503, headers: { 'content-type': 'text/html' } })));
			return {};
		}],
		['persistent 500 server_error', () => {
			server.use(http.post(TOKEN_URL, () => HttpResponse.json({ error: 'server_error' }, { status: 500 })));
			return {};
		}],
		['429 with Retry-After beyond maxRetryAfter', () => {
			server.use(http.post(TOKEN_URL, () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '120' } })));
			return { requestTransport: transport({ retry: { ...FAST, maxRetryAfter: 1_000 } }) };
		}],
		['200 HTML page', () => {
			server.use(http.post(TOKEN_URL, () => new HttpResponse('<html>login</html>', { status: 200, headers: { 'content-type': 'text/html' } })));
			return {};
		}],
		['200 without access_token', () => {
			server.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'Bearer', expires_in: 60 })));
			return {};
		}],
		['200 DPoP token', () => {
			server.use(http.post(TOKEN_URL, () => HttpResponse.json({ access_token: 'x', token_type: 'DPoP', expires_in: 60 })));
			return {};
		}],
		['network error', () => {
			server.use(http.post(TOKEN_URL, () => HttpResponse.error()));
			return {};
		}],
		['timeout', () => {
			server.use(hangingEndpoint().handler);
			return { requestTransport: transport({ timeout: 100 }) };
		}],
	];

	/** Every way the secret could be written: raw, form-encoded, JSON-escaped, and inside the Basic credentials. */
	function secretForms(clientAuth: ClientAuthentication): string[] {
		const forms = [SECRET, new URLSearchParams({ s: SECRET }).toString().slice(2), JSON.stringify(SECRET).slice(1, -1)];
		if (clientAuth === 'basic') {
			const { authorization } = buildTokenRequest(provider('basic'), TOKEN_URL, GRANT).headers;
			forms.push(authorization!.slice('Basic '.length));
		}
		return forms;
	}

	/** Everything a log could show of an error: message, stack, JSON, a deep inspect with hidden fields, each cause. */
	function renderings(error: unknown): string[] {
		const texts: string[] = [];
		const seen = new Set<unknown>();
		let current: unknown = error;
		while (current !== undefined && current !== null && !seen.has(current)) {
			seen.add(current);
			const e = current as { message?: unknown; stack?: unknown; cause?: unknown };
			texts.push(String(e.message), String(e.stack), String(current));
			texts.push(JSON.stringify(current) ?? '');
			texts.push(inspect(current, { depth: 10, showHidden: true }));
			current = e.cause;
		}
		return texts;
	}

	for (const clientAuth of ['body', 'basic'] as const) {
		it.each(failures)(`client auth ${clientAuth}: %s`, async (_name, arrange) => {
			const { requestTransport } = arrange();
			const { error } = await rejectionOf(requestToken(provider(clientAuth), GRANT, requestTransport ?? transport()));
			expect(isTokenkeeperError(error)).toBe(true);
			const texts = renderings(error);
			for (const form of secretForms(clientAuth)) {
				for (const text of texts) expect(text).not.toContain(form);
			}
		});
	}
});

describe('a server that echoes secrets back', () => {
	it('the client secret and the grant\'s secrets are cut out of the error it causes', async () => {
		server.use(
			http.post(TOKEN_URL, async ({ request }) => {
				const params = new URLSearchParams(await request.text());
				return HttpResponse.json(
					{ error: 'invalid_grant', error_description: `bad ${params.get('client_secret')} / ${params.get('refresh_token')}` },
					{ status: 400 },
				);
			}),
		);
		const refreshToken = 'RT-echoed-7a1c9e';
		const { error } = await rejectionOf(
			requestToken(provider('body'), { grant_type: 'refresh_token', refresh_token: refreshToken }, transport()),
		);
		const printed = [String(error), JSON.stringify(error), (error as { errorDescription?: string }).errorDescription].join('\n');
		expect(printed).toContain('[redacted]');
		expect(printed).not.toContain(SECRET);
		expect(printed).not.toContain(refreshToken);
	});
});
