import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { resolveEndpoints } from '../../src/endpoint/discovery.js';
import { normalizeTransport } from '../../src/endpoint/transport.js';
import { ErrorCode, TokenResponseError, isTokenkeeperError } from '../../src/errors.js';
import { defineProvider } from '../../src/provider.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import { SECRET, useMockServer } from '../_helpers/token-server.js';

const CLIENT_ID = 'food-crunch:default';
const ISSUER = 'https://login.test';
const DISCOVERY_URL = `${ISSUER}/.well-known/openid-configuration`;
const DOCUMENT = {
	issuer: ISSUER,
	token_endpoint: `${ISSUER}/oauth2/token`,
	authorization_endpoint: `${ISSUER}/oauth2/auth`,
	revocation_endpoint: `${ISSUER}/oauth2/revoke`,
};

const transport = () => normalizeTransport({ retry: { retries: 2, minTimeout: 1, maxTimeout: 5 }, timeout: 200 });

const server = useMockServer();

// Discovery is what an `oauth2({ issuer })` provider relies on; its tests are named under that provider.
describe('oauth2()', () => {
	describe('OpenID discovery from `issuer`', () => {
		function discoveryEndpoint(...documents: Array<() => Response>) {
			const state = { requests: 0 };
			server.use(
				http.get(DISCOVERY_URL, () => {
					state.requests += 1;
					const next = documents.length > 1 ? documents.shift()! : documents[0]!;
					return next();
				}),
			);
			return state;
		}

		it('resolves the endpoints from /.well-known/openid-configuration once for two calls (sequential and concurrent)', async () => {
			const state = discoveryEndpoint(() => HttpResponse.json(DOCUMENT));
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET });
			const expected = {
				token: DOCUMENT.token_endpoint,
				authorization: DOCUMENT.authorization_endpoint,
				revocation: DOCUMENT.revocation_endpoint,
				// The issuer they were discovered for: what the `iss` of an authorization response must name.
				issuer: ISSUER,
			};
			const [first, concurrent] = await Promise.all([resolveEndpoints(provider, transport()), resolveEndpoints(provider, transport())]);
			const later = await resolveEndpoints(provider, transport());
			expect(first).toEqual(expected);
			expect(concurrent).toEqual(expected);
			expect(later).toEqual(expected);
			expect(state.requests).toBe(1);
		});

		it('each provider discovers for itself', async () => {
			const state = discoveryEndpoint(() => HttpResponse.json(DOCUMENT));
			await resolveEndpoints(oauth2({ issuer: ISSUER, clientId: 'a' }), transport());
			await resolveEndpoints(oauth2({ issuer: ISSUER, clientId: 'b' }), transport());
			expect(state.requests).toBe(2);
		});

		it('a provider from defineProvider() with an issuer and no endpoints discovers them too', async () => {
			const state = discoveryEndpoint(() => HttpResponse.json(DOCUMENT));
			const provider = defineProvider({
				name: 'custom',
				clientId: CLIENT_ID,
				issuer: ISSUER,
				endpoints: undefined,
				scope: undefined,
				primaryGrant: { type: 'client_credentials' },
			});
			await expect(resolveEndpoints(provider, transport())).resolves.toMatchObject({ token: DOCUMENT.token_endpoint });
			expect(state.requests).toBe(1);
		});

		it('a provider with a tokenEndpoint resolves without any request', async () => {
			const state = discoveryEndpoint(() => HttpResponse.json(DOCUMENT));
			const provider = oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID });
			await expect(resolveEndpoints(provider, transport())).resolves.toEqual({ token: `${ISSUER}/token` });
			expect(state.requests).toBe(0);
		});

		it('an issuer with a path discovers below that path; a trailing slash in the document is accepted', async () => {
			const issuer = `${ISSUER}/realms/food`;
			let requests = 0;
			server.use(
				http.get(`${issuer}/.well-known/openid-configuration`, () => {
					requests += 1;
					return HttpResponse.json({ ...DOCUMENT, issuer: `${issuer}/`, token_endpoint: `${issuer}/token` });
				}),
			);
			const endpoints = await resolveEndpoints(oauth2({ issuer, clientId: CLIENT_ID }), transport());
			expect(endpoints.token).toBe(`${issuer}/token`);
			expect(requests).toBe(1);
		});

		it('a document naming another issuer -> TokenResponseError ERR_TOKEN_RESPONSE (OpenID Discovery 4.3)', async () => {
			const state = discoveryEndpoint(() => HttpResponse.json({ ...DOCUMENT, issuer: 'https://evil.test' }));
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET });
			const error = await resolveEndpoints(provider, transport()).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(TokenResponseError);
			expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
			expect((error as Error).message).toContain('https://evil.test');
			expect((error as Error).message).not.toContain(SECRET);
			expect(state.requests).toBe(1);
		});

		it('a document without a usable token_endpoint -> TokenResponseError', async () => {
			discoveryEndpoint(() => HttpResponse.json({ issuer: ISSUER, token_endpoint: 'not a url' }));
			const error = await resolveEndpoints(oauth2({ issuer: ISSUER, clientId: CLIENT_ID }), transport()).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(TokenResponseError);
			expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		});

		it('a 100 MB document -> TokenResponseError ERR_TOKEN_RESPONSE "too large" after reading about 1 MiB; not cached', async () => {
			const chunk = new Uint8Array(64 * 1024).fill(0x20);
			const served = { chunks: 0 };
			const endless = () =>
				new HttpResponse(
					new ReadableStream<Uint8Array>({
						pull(controller) {
							served.chunks += 1;
							if (served.chunks * chunk.byteLength > 100 * 1024 * 1024) controller.close();
							else controller.enqueue(chunk);
						},
					}),
					{ headers: { 'content-type': 'application/json' } },
				);
			const state = discoveryEndpoint(endless, () => HttpResponse.json(DOCUMENT));
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET });
			const error = await resolveEndpoints(provider, transport()).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(TokenResponseError);
			expect(error).toMatchObject({ code: ErrorCode.TokenResponse, status: 200 });
			expect((error as Error).message).toContain(
				'The OpenID discovery endpoint at login.test answered 200 with a body too large (more than 1 MiB',
			);
			expect(state.requests).toBe(1);
			// 1 MiB is 16 chunks; a few more sit in the streams' queues, nowhere near the 1 600 of the whole body.
			expect(served.chunks).toBeLessThan(40);
			await expect(resolveEndpoints(provider, transport())).resolves.toMatchObject({ token: DOCUMENT.token_endpoint });
			expect(state.requests).toBe(2);
		});

		it('a failed discovery is not cached: the next call tries again and succeeds', async () => {
			const state = discoveryEndpoint(
				() => new HttpResponse('<h1>Bad Gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } }),
				() => HttpResponse.json(DOCUMENT),
			);
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET });
			const error = await resolveEndpoints(provider, transport()).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(TokenResponseError);
			expect((error as TokenResponseError).status).toBe(502);
			expect(state.requests).toBe(1);
			await expect(resolveEndpoints(provider, transport())).resolves.toMatchObject({ token: DOCUMENT.token_endpoint });
			expect(state.requests).toBe(2);
			await resolveEndpoints(provider, transport());
			expect(state.requests).toBe(2);
		});

		it('a network failure during discovery -> a tokenkeeper error with code ERR_NETWORK, and the next call tries again', async () => {
			let requests = 0;
			server.use(
				http.get(DISCOVERY_URL, () => {
					requests += 1;
					return requests === 1 ? HttpResponse.error() : HttpResponse.json(DOCUMENT);
				}),
			);
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID });
			const error = await resolveEndpoints(provider, transport()).catch((e: unknown) => e);
			await expect(resolveEndpoints(provider, transport())).resolves.toMatchObject({ token: DOCUMENT.token_endpoint });
			expect(requests).toBe(2);
			expect(isTokenkeeperError(error)).toBe(true);
			expect((error as { code?: unknown }).code).toBe(ErrorCode.Network);
		});

		it("one caller's abort does not fail another caller waiting on the same discovery", async () => {
			let release: () => void = () => {};
			const gate = new Promise<void>((resolve) => {
				release = resolve;
			});
			let requests = 0;
			server.use(
				http.get(DISCOVERY_URL, async () => {
					requests += 1;
					await gate;
					return HttpResponse.json(DOCUMENT);
				}),
			);
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID });
			const controller = new AbortController();
			const reason = new Error('first caller gave up');
			const first = resolveEndpoints(provider, transport(), controller.signal).catch((e: unknown) => e);
			const second = resolveEndpoints(provider, transport()).catch((e: unknown) => e);
			controller.abort(reason);
			setTimeout(release, 20);
			expect(await first).toBe(reason);
			expect(await second).toMatchObject({ token: DOCUMENT.token_endpoint });
			expect(requests).toBeGreaterThanOrEqual(1);
		});
	});
});
