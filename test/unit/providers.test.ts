import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveEndpoints } from '../../src/endpoint/discovery.js';
import { ErrorCode, OAuthError, TokenResponseError, isTokenkeeperError } from '../../src/errors.js';
import { clientSecretOf } from '../../src/provider.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import { squidex } from '../../src/providers/squidex.js';
import { normalizeTransport } from '../../src/endpoint/transport.js';
import { SECRET, startMockServer } from '../_helpers/token-server.js';

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

function oauthError(error: string): OAuthError {
	return new OAuthError({ error, status: 400 }, error);
}

/** Every way a provider could be logged. */
function renderings(value: unknown): string[] {
	return [
		JSON.stringify(value),
		inspect(value),
		inspect(value, { showHidden: true, depth: 10 }),
		String(Object.values(value as object)),
		JSON.stringify({ ...(value as object) }),
	];
}

let server: ReturnType<typeof startMockServer>;
beforeAll(() => {
	server = startMockServer();
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('squidex()', () => {
	it('defaults: cloud.squidex.io, its token endpoint, scope squidex-api, form body, secret in body, rejection [401]', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.name).toBe('squidex');
		expect(provider.clientId).toBe(CLIENT_ID);
		expect(provider.issuer).toBe('https://cloud.squidex.io');
		expect(provider.endpoints).toEqual({ token: 'https://cloud.squidex.io/identity-server/connect/token' });
		expect(provider.scope).toBe('squidex-api');
		expect(provider.bodyEncoding).toBe('form');
		expect(provider.clientAuth).toBe('body');
		expect(provider.rejectionStatuses).toEqual([401]);
		expect(provider.primaryGrant).toEqual({ type: 'client_credentials' });
		expect(clientSecretOf(provider)).toBe(SECRET);
	});

	it('a self-hosted url (trailing slash dropped) moves the token endpoint and the issuer with it', () => {
		const provider = squidex({ url: 'https://squidex.example.com/', clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.issuer).toBe('https://squidex.example.com');
		expect(provider.endpoints?.token).toBe('https://squidex.example.com/identity-server/connect/token');
	});

	it('scope and client auth can be changed', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET, scope: 'squidex-api other', clientAuth: 'basic' });
		expect(provider.scope).toBe('squidex-api other');
		expect(provider.clientAuth).toBe('basic');
	});

	it('is frozen plain data', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		expect(Object.isFrozen(provider)).toBe(true);
		expect(Object.isFrozen(provider.rejectionStatuses)).toBe(true);
		expect(() => {
			(provider as { clientId: string }).clientId = 'other';
		}).toThrow(TypeError);
	});

	it('the secret is nowhere in JSON.stringify, util.inspect, values or a spread of the provider', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		for (const text of renderings(provider)) expect(text).not.toContain(SECRET);
		expect(Object.keys(provider)).not.toContain('clientSecret');
	});

	it('a dead refresh token is invalid_grant', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.isRefreshRejected(oauthError('invalid_grant'))).toBe(true);
		expect(provider.isRefreshRejected(oauthError('invalid_client'))).toBe(false);
	});

	it.each([
		['missing clientId', { clientSecret: SECRET }, /^Expected `clientId` to be a non-empty string$/],
		['empty clientId', { clientId: '', clientSecret: SECRET }, /^Expected `clientId`/],
		['non-string clientId', { clientId: 42, clientSecret: SECRET }, /^Expected `clientId`/],
		['missing clientSecret', { clientId: CLIENT_ID }, /^Expected `clientSecret` to be a non-empty string$/],
		['empty clientSecret', { clientId: CLIENT_ID, clientSecret: '' }, /^Expected `clientSecret`/],
		['relative url', { url: 'squidex.example.com', clientId: CLIENT_ID, clientSecret: SECRET }, /^Expected `url` to be an absolute URL/],
	])('%s -> TypeError with a uniform message', (_name, options, message) => {
		expect(() => squidex(options as never)).toThrow(TypeError);
		expect(() => squidex(options as never)).toThrow(message);
	});

	it('no options at all -> the same uniform TypeError ("Expected `clientId`…"), not a property read on undefined', () => {
		expect(() => squidex(undefined as never)).toThrow(TypeError);
		expect(() => squidex(undefined as never)).toThrow(/^Expected `clientId`/);
	});

	it('an invalid option error never echoes the secret', () => {
		let message = '';
		try {
			squidex({ url: 'not a url', clientId: CLIENT_ID, clientSecret: SECRET });
		} catch (error) {
			message = `${(error as Error).message}\n${(error as Error).stack}`;
		}
		expect(message).toMatch(/Expected `url`/);
		expect(message).not.toContain(SECRET);
	});
});

describe('oauth2()', () => {
	it('requires exactly one of tokenEndpoint and issuer', () => {
		const both = { tokenEndpoint: `${ISSUER}/token`, issuer: ISSUER, clientId: CLIENT_ID };
		expect(() => oauth2(both)).toThrow(new TypeError('Expected exactly one of `tokenEndpoint` and `issuer`'));
		expect(() => oauth2({ clientId: CLIENT_ID })).toThrow(new TypeError('Expected exactly one of `tokenEndpoint` and `issuer`'));
		expect(() => oauth2({ tokenEndpoint: '', issuer: '', clientId: CLIENT_ID })).toThrow(/exactly one/);
		expect(() => oauth2(undefined as never)).toThrow(/exactly one/);
	});

	it('with tokenEndpoint: known endpoint, no discovery; Basic auth by default with a secret (RFC 6749 2.3.1)', () => {
		const provider = oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.name).toBe('oauth2');
		expect(provider.endpoints).toEqual({ token: `${ISSUER}/token` });
		expect(provider.issuer).toBeUndefined();
		expect(provider.clientAuth).toBe('basic');
		expect(provider.bodyEncoding).toBe('form');
		expect(provider.rejectionStatuses).toEqual([401]);
		expect(provider.primaryGrant).toEqual({ type: 'client_credentials' });
		for (const text of renderings(provider)) expect(text).not.toContain(SECRET);
	});

	it('without a secret: a public client (`none`)', () => {
		expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID }).clientAuth).toBe('none');
	});

	it('a token endpoint keeps its exact path, trailing slash included (e.g. django-oauth-toolkit `/o/token/`)', () => {
		const provider = oauth2({ tokenEndpoint: 'https://auth.test/o/token/', clientId: CLIENT_ID });
		expect(provider.endpoints?.token).toBe('https://auth.test/o/token/');
	});

	it('scope as an array is space-separated; an empty scope is no scope', () => {
		expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, scope: ['read', 'write'] }).scope).toBe('read write');
		expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, scope: [] }).scope).toBeUndefined();
	});

	it('password grant keeps the credentials callback; `basic` without a secret is refused', () => {
		const credentials = async () => ({ username: 'u', password: 'p' });
		const provider = oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, grant: 'password', credentials });
		expect(provider.primaryGrant).toEqual({ type: 'password', credentials });
		expect(() => oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, clientAuth: 'basic' })).toThrow(
			/Expected `clientSecret`/,
		);
	});

	it.each([
		['missing clientId', { tokenEndpoint: `${ISSUER}/token` }, /^Expected `clientId` to be a non-empty string$/],
		['relative tokenEndpoint', { tokenEndpoint: '/token', clientId: CLIENT_ID }, /^Expected `tokenEndpoint` to be an absolute URL/],
		['relative issuer', { issuer: 'login.test', clientId: CLIENT_ID }, /^Expected `issuer` to be an absolute URL/],
	])('%s -> TypeError with a uniform message', (_name, options, message) => {
		expect(() => oauth2(options as never)).toThrow(TypeError);
		expect(() => oauth2(options as never)).toThrow(message);
	});

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

		it('a provider with an issuer has no endpoints until discovered', () => {
			const provider = oauth2({ issuer: `${ISSUER}/`, clientId: CLIENT_ID, clientSecret: SECRET });
			expect(provider.endpoints).toBeUndefined();
			expect(provider.issuer).toBe(ISSUER);
		});

		it('resolves the endpoints from /.well-known/openid-configuration once for two calls (sequential and concurrent)', async () => {
			const state = discoveryEndpoint(() => HttpResponse.json(DOCUMENT));
			const provider = oauth2({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: SECRET });
			const expected = { token: DOCUMENT.token_endpoint, authorization: DOCUMENT.authorization_endpoint, revocation: DOCUMENT.revocation_endpoint };
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
