import http from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createTokenManager, ErrorCode, isTokenkeeperError, squidex, type TokenManager } from '../../src/index.js';
import type { Emulator } from '../../src/testing/index.js';
import { useEmulator } from '../_helpers/emulator.js';

const emulator = useEmulator();

const fast = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 300 };

function manager(options: { clientSecret?: string } = {}): TokenManager {
	const { url, clientId, clientSecret } = emulator().credentials.squidex;
	return createTokenManager(squidex({ url, clientId, clientSecret: options.clientSecret ?? clientSecret }), fast);
}

function client(auth = manager()) {
	return createClient({ prefixUrl: `${emulator().url}/api/`, auth });
}

const concurrently = <T>(n: number, fn: () => Promise<T>) => Promise.all(Array.from({ length: n }, fn));

describe('Squidex against the emulator', () => {
	it('single flight: 200 concurrent calls on a cold cache -> exactly 1 token request', async () => {
		const api = client();
		const results = await concurrently(200, () => api.get('apps/food-crunch/schemas').json<{ items: unknown[] }>());
		expect(results.every((r) => r.items.length > 0)).toBe(true);
		expect(emulator().counters().tokenRequests.client_credentials).toBe(1);
	});

	it('server-side revocation, then 200 concurrent calls -> exactly 1 more token request, every call succeeds', async () => {
		const api = client();
		await api.get('apps/food-crunch/schemas');
		emulator().revokeAllTokens();
		const results = await concurrently(200, () => api.get('apps/food-crunch/schemas').json());
		expect(results).toHaveLength(200);
		const { tokenRequests, apiRequests } = emulator().counters();
		expect(tokenRequests.client_credentials).toBe(2);
		expect(apiRequests.ok).toBe(201);
	});

	it('compare-and-invalidate: 5 concurrent callers plus one late 401 for the old token -> 1 refresh', async () => {
		const tokens = manager();
		const api = client(tokens);
		const old = await tokens.getToken();
		emulator().revokeAllTokens();
		await concurrently(5, () => api.get('apps/food-crunch/schemas').json());
		// A late rejection of the old token arrives after the new one is in use.
		expect(await tokens.invalidate(old)).toBe(false);
		await api.get('apps/food-crunch/schemas').json();
		expect(emulator().counters().tokenRequests.client_credentials).toBe(2);
	});

	it('a 30-day token: 1 request after 1000 reads and a 2 s idle, no background request', async () => {
		const tokens = manager();
		for (let i = 0; i < 1000; i++) await tokens.getToken();
		await new Promise((resolve) => setTimeout(resolve, 2000));
		await tokens.getToken();
		expect(emulator().counters().tokenRequests.total).toBe(1);
		expect((await tokens.getToken()).expiresAt! - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
	});

	it('a wrong secret -> OAuthError invalid_client, and the secret is nowhere in the error', async () => {
		const wrong = 'WRONG-secret-8c1f2a';
		const error = await manager({ clientSecret: wrong })
			.getToken()
			.catch((e: unknown) => e);
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.OAuth);
		expect((error as { error: string }).error).toBe('invalid_client');
		const printed = [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { showHidden: true, depth: 10 })].join(
			'\n',
		);
		expect(printed).not.toContain(wrong);
		expect(printed).not.toContain(emulator().credentials.squidex.clientSecret);
	});
});

describe('faults at the token endpoint end in a typed error or a success, within a bound', () => {
	const cases: Array<[string, Parameters<Emulator['injectFault']>, string | 'success', number]> = [
		['503 twice, then 200', [{ kind: 'status', status: 503 }, { times: 2 }], 'success', 2000],
		['429 + Retry-After: 1, then 200', [{ kind: 'status', status: 429, retryAfter: 1 }, { times: 1 }], 'success', 3000],
		['503 for good', [{ kind: 'status', status: 503 }], ErrorCode.TokenResponse, 2000],
		['a hang', [{ kind: 'hang' }], ErrorCode.Timeout, 3000],
		['a connection reset', [{ kind: 'reset' }], ErrorCode.Network, 2000],
		['an HTML page with 200', [{ kind: 'html', status: 200 }], ErrorCode.TokenResponse, 2000],
		['an HTML page with 502, for good', [{ kind: 'html', status: 502 }], ErrorCode.TokenResponse, 2000],
		['invalid JSON', [{ kind: 'invalid-json' }], ErrorCode.TokenResponse, 2000],
		[
			'200 without access_token',
			[{ kind: 'token-response', body: { token_type: 'Bearer', expires_in: 60 } }],
			ErrorCode.TokenResponse,
			2000,
		],
		[
			'a DPoP token',
			[{ kind: 'token-response', body: { access_token: 'x', token_type: 'DPoP', expires_in: 60 } }],
			ErrorCode.UnsupportedTokenType,
			2000,
		],
	];

	for (const [name, fault, outcome, bound] of cases) {
		it(`${name} -> ${outcome}`, async () => {
			emulator().injectFault(...fault);
			const started = performance.now();
			const result = await manager()
				.getToken()
				.then(
					() => 'success',
					(error: unknown) => (isTokenkeeperError(error) ? error.code : String(error)),
				);
			expect(result).toBe(outcome);
			expect(performance.now() - started).toBeLessThan(bound);
		});
	}

	it("the caller's AbortSignal ends a hanging token request at once", async () => {
		emulator().injectFault({ kind: 'hang' });
		const tokens = createTokenManager(squidex(emulator().credentials.squidex), { timeout: 10_000 });
		const started = performance.now();
		await expect(tokens.getToken({ signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
		expect(performance.now() - started).toBeLessThan(500);
	});
});

describe('rule 7 on real sockets: a token never reaches a second loopback origin', () => {
	let other: http.Server;
	let otherUrl = '';
	const seenElsewhere: Array<string | undefined> = [];
	beforeAll(async () => {
		other = http.createServer((request, response) => {
			seenElsewhere.push(request.headers.authorization);
			if (request.url === '/bounce') {
				response.writeHead(302, { location: `${emulator().url}/api/apps/food-crunch/schemas` }).end();
				return;
			}
			response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
		await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
		otherUrl = `http://127.0.0.2:${(other.address() as { port: number }).port}`;
	});
	afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

	it('a request to another origin goes out without the token', async () => {
		const api = client();
		await api.get('apps/food-crunch/schemas');
		await api.get(`${otherUrl}/anything`, { prefixUrl: '' });
		expect(seenElsewhere).toEqual([undefined]);
	});

	it('a redirect from the API to another origin does not carry the token', async () => {
		seenElsewhere.length = 0;
		const redirector = http.createServer((_request, response) => {
			response.writeHead(302, { location: `${otherUrl}/landing` }).end();
		});
		await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
		const redirectorUrl = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
		try {
			const api = createClient({ prefixUrl: `${redirectorUrl}/`, auth: manager() });
			await api.get('go');
			expect(seenElsewhere).toEqual([undefined]);
		} finally {
			await new Promise<void>((resolve) => redirector.close(() => resolve()));
		}
	});
});
