import { http, HttpResponse } from 'msw';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	createAuthorizationCodeFlow,
	ErrorCode,
	isTokenkeeperError,
	oauth2,
	sqowey,
	type AuthorizationCodeFlow,
	type Provider,
} from '../../src/index.js';
import { createMemoryStorage, type KeyValueStorage } from '../../src/key-value-storage.js';
import { buildAuthorizationUrl } from '../../src/flow/authorization-url.js';
import { normalizeScope } from '../../src/scope.js';
import { computeCodeChallenge } from '../../src/pkce.js';
import { createClock } from '../_helpers/manager.js';
import { startMockServer } from '../_helpers/token-server.js';

const SQOWEY = 'https://sqowey.test';
/** A second provider's server, for the mix-up tests. */
const OTHER = 'https://other.test';
const REDIRECT = 'https://spa.test/callback';
/** Every token request, at either server: its form body, and `at`, the endpoint it was sent to. */
const tokenRequests: Array<Record<string, string>> = [];
const revocations: Array<Record<string, string>> = [];
let codeAnswer: () => Response = () =>
	HttpResponse.json({ access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'RT-1' });
let revocationAnswer: () => Response = () => new HttpResponse(null, { status: 200 });

const server = startMockServer(
	...[`${SQOWEY}/oauth2/token`, `${OTHER}/oauth2/token`, `${OTHER}/token`].map((url) =>
		http.post(url, async ({ request }) => {
			tokenRequests.push({ ...Object.fromEntries(new URLSearchParams(await request.text())), at: url });
			return codeAnswer();
		}),
	),
	http.post(`${SQOWEY}/oauth2/token/revoke`, async ({ request }) => {
		revocations.push(Object.fromEntries(new URLSearchParams(await request.text())));
		return revocationAnswer();
	}),
);
afterAll(() => server.close());
beforeEach(() => {
	tokenRequests.length = 0;
	revocations.length = 0;
	codeAnswer = () => HttpResponse.json({ access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'RT-1' });
	revocationAnswer = () => new HttpResponse(null, { status: 200 });
});

function flowWith(clock = createClock()): AuthorizationCodeFlow {
	return createAuthorizationCodeFlow(sqowey({ url: SQOWEY, clientId: 'spa', redirectUri: REDIRECT }), {
		attemptStorage: createMemoryStorage(),
		storage: 'memory',
		now: clock.now,
		retry: 0,
	});
}

/** Start a login and build the redirect back as the provider would. */
async function loginRedirect(flow: AuthorizationCodeFlow, params: Record<string, string> = {}) {
	const url = new URL(await flow.createAuthorizationUrl({ scope: ['identity'] }));
	const back = new URL(REDIRECT);
	back.searchParams.set('code', 'CODE-1');
	back.searchParams.set('state', url.searchParams.get('state')!);
	back.searchParams.set('iss', SQOWEY);
	for (const [name, value] of Object.entries(params)) {
		if (value === '') back.searchParams.delete(name);
		else back.searchParams.set(name, value);
	}
	return { authorizationUrl: url, callbackUrl: back.toString() };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	return isTokenkeeperError(error) ? `${error.code}:${(error as { error?: string }).error ?? ''}` : String(error);
}

describe('the authorization URL', () => {
	it('has response_type=code, PKCE S256, state, and space-separated scopes encoded properly', async () => {
		const flow = flowWith();
		const url = new URL(await flow.createAuthorizationUrl({ scope: ['identity', 'bot'], prompt: 'login' }));
		expect(url.origin + url.pathname).toBe(`${SQOWEY}/oauth2/auth`);
		expect(url.searchParams.get('response_type')).toBe('code');
		expect(url.searchParams.get('client_id')).toBe('spa');
		expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
		expect(url.searchParams.get('code_challenge_method')).toBe('S256');
		expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(url.searchParams.get('prompt')).toBe('login');
		expect(url.search).toContain('scope=identity+bot');
		expect(url.search).not.toMatch(/%(?![0-9A-F]{2})/);
	});

	it('normalises scopes: arrays or strings, deduplicated; refuses spaces inside a scope', () => {
		expect(normalizeScope(['identity', 'bot', 'identity'])).toBe('identity bot');
		expect(normalizeScope(' identity  bot ')).toBe('identity bot');
		expect(normalizeScope([])).toBeUndefined();
		expect(() => normalizeScope(['identity bot'])).toThrow(TypeError);
	});

	it('extra parameters cannot override the protocol ones', () => {
		const url = new URL(
			buildAuthorizationUrl({
				authorizationEndpoint: `${SQOWEY}/oauth2/auth`,
				clientId: 'spa',
				redirectUri: REDIRECT,
				scope: undefined,
				state: 's',
				codeChallenge: 'c',
				extra: { state: 'forged', code_challenge_method: 'plain', audience: 'api' },
			}),
		);
		expect(url.searchParams.get('state')).toBe('s');
		expect(url.searchParams.get('code_challenge_method')).toBe('S256');
		expect(url.searchParams.get('audience')).toBe('api');
		expect(url.searchParams.has('scope')).toBe(false);
	});
});

describe('handleCallback', () => {
	it('exchanges the code at once with the verifier whose S256 is the challenge, and stores the tokens', async () => {
		const flow = flowWith();
		const { authorizationUrl, callbackUrl } = await loginRedirect(flow);
		const tokenSet = await flow.handleCallback(callbackUrl);
		expect(tokenSet.accessToken).toBe('AT-1');
		expect((await flow.tokens.getToken()).accessToken).toBe('AT-1');
		expect(tokenRequests).toHaveLength(1);
		const sent = tokenRequests[0]!;
		expect(sent).toMatchObject({ grant_type: 'authorization_code', code: 'CODE-1', redirect_uri: REDIRECT, client_id: 'spa' });
		expect(sent.client_secret).toBeUndefined();
		expect(await computeCodeChallenge(sent.code_verifier!)).toBe(authorizationUrl.searchParams.get('code_challenge'));
	});

	it('state is single use: a replayed callback is refused without a token request', async () => {
		const flow = flowWith();
		const { callbackUrl } = await loginRedirect(flow);
		await flow.handleCallback(callbackUrl);
		expect(await codeOf(flow.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:state_mismatch`);
		expect(tokenRequests).toHaveLength(1);
	});

	it('a forged state, or none, is refused', async () => {
		const flow = flowWith();
		const { callbackUrl: forged } = await loginRedirect(flow, { state: 'forged-state' });
		expect(await codeOf(flow.handleCallback(forged))).toBe(`${ErrorCode.AuthorizationResponse}:state_mismatch`);
		const { callbackUrl: missing } = await loginRedirect(flow, { state: '' });
		expect(await codeOf(flow.handleCallback(missing))).toBe(`${ErrorCode.AuthorizationResponse}:missing_state`);
		expect(tokenRequests).toHaveLength(0);
	});

	it('an attempt older than attemptTtl is refused', async () => {
		const clock = createClock();
		const flow = flowWith(clock);
		const { callbackUrl } = await loginRedirect(flow);
		clock.advance(10 * 60_000 + 1);
		expect(await codeOf(flow.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:state_mismatch`);
	});

	for (const error of [
		'access_denied',
		'invalid_request',
		'unauthorized_client',
		'unsupported_response_type',
		'invalid_scope',
		'server_error',
		'temporarily_unavailable',
	]) {
		it(`error=${error} becomes a typed error naming it`, async () => {
			const flow = flowWith();
			const { callbackUrl } = await loginRedirect(flow, { error, error_description: 'said the server', code: '' });
			const failure = await flow.handleCallback(callbackUrl).catch((e: unknown) => e);
			expect(failure).toMatchObject({ code: ErrorCode.AuthorizationResponse, error });
			expect((failure as Error).message).toContain(error);
			expect(tokenRequests).toHaveLength(0);
		});
	}

	it("an iss that is not the provider's is refused (RFC 9207); a missing iss is accepted", async () => {
		const flow = flowWith();
		const { callbackUrl } = await loginRedirect(flow, { iss: 'https://evil.test' });
		expect(await codeOf(flow.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:iss_mismatch`);
		const { callbackUrl: withoutIss } = await loginRedirect(flow, { iss: '' });
		await expect(flow.handleCallback(withoutIss)).resolves.toMatchObject({ accessToken: 'AT-1' });
	});

	it('a missing code is refused', async () => {
		const flow = flowWith();
		const { callbackUrl } = await loginRedirect(flow, { code: '' });
		expect(await codeOf(flow.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:missing_code`);
	});

	it('invalid_grant on exchange -> "the code expired or was already used: log in again"', async () => {
		codeAnswer = () => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
		const flow = flowWith();
		const { callbackUrl } = await loginRedirect(flow);
		const failure = await flow.handleCallback(callbackUrl).catch((e: unknown) => e);
		expect(failure).toMatchObject({ code: ErrorCode.LoginRequired });
		expect((failure as Error).message).toMatch(/expired or was already used: log in again/);
	});

	it('works with a generic oauth2() provider too', async () => {
		const flow = createAuthorizationCodeFlow(
			oauth2({
				tokenEndpoint: `${SQOWEY}/oauth2/token`,
				authorizationEndpoint: `${SQOWEY}/oauth2/auth`,
				clientId: 'spa',
				grant: 'authorization_code',
				redirectUri: REDIRECT,
			}),
			{ attemptStorage: createMemoryStorage(), storage: 'memory' },
		);
		const url = new URL(await flow.createAuthorizationUrl({ scope: 'identity' }));
		const back = `${REDIRECT}?code=C&state=${url.searchParams.get('state')}`;
		await expect(flow.handleCallback(back)).resolves.toMatchObject({ accessToken: 'AT-1' });
	});
});

describe('two flows, one attempt storage (mix-up, RFC 9207 2.4, RFC 9700 4.4)', () => {
	const spa = sqowey({ url: SQOWEY, clientId: 'spa', redirectUri: REDIRECT });
	const others: Record<string, Provider> = {
		'another provider': sqowey({ url: OTHER, clientId: 'spa', redirectUri: REDIRECT }),
		'the same provider URL with another client id': sqowey({ url: SQOWEY, clientId: 'admin', redirectUri: REDIRECT }),
		'a provider without an issuer (fixed endpoints)': oauth2({
			tokenEndpoint: `${OTHER}/token`,
			authorizationEndpoint: `${OTHER}/authorize`,
			clientId: 'spa',
			grant: 'authorization_code',
			redirectUri: REDIRECT,
		}),
	};

	/** Two flows of one page: both keep their attempts in `attempts`, as they do in sessionStorage. */
	function flowOf(provider: Provider, attempts: KeyValueStorage): AuthorizationCodeFlow {
		return createAuthorizationCodeFlow(provider, { attemptStorage: attempts, storage: 'memory', retry: 0 });
	}

	/** The redirect back from the provider for an attempt of `flow`: code and state, and `iss` when given. */
	async function redirectOf(flow: AuthorizationCodeFlow, iss?: string) {
		const authorizationUrl = new URL(await flow.createAuthorizationUrl({ scope: 'identity' }));
		const back = new URL(REDIRECT);
		back.searchParams.set('code', 'CODE-B');
		back.searchParams.set('state', authorizationUrl.searchParams.get('state')!);
		if (iss !== undefined) back.searchParams.set('iss', iss);
		return { authorizationUrl, callbackUrl: back.toString() };
	}

	for (const [name, other] of Object.entries(others)) {
		it(`${name}: B's redirect handled by A's flow -> provider_mismatch before any token request; B's flow then completes it`, async () => {
			const attempts = createMemoryStorage();
			const a = flowOf(spa, attempts);
			const b = flowOf(other, attempts);
			// No `iss`: nothing in the redirect tells the servers apart, only what the attempt recorded.
			const { authorizationUrl, callbackUrl } = await redirectOf(b);

			const refused = await a.handleCallback(callbackUrl).catch((e: unknown) => e);

			expect(refused).toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'provider_mismatch' });
			expect((refused as Error).message).toMatch(/another provider or client.*log in again/);
			expect(tokenRequests).toHaveLength(0);
			await expect(b.handleCallback(callbackUrl)).resolves.toMatchObject({ accessToken: 'AT-1' });
			expect(tokenRequests).toHaveLength(1);
			const sent = tokenRequests[0]!;
			expect(sent.at).toBe(other.endpoints!.token);
			expect(sent.client_id).toBe(other.clientId);
			expect(await computeCodeChallenge(sent.code_verifier!)).toBe(authorizationUrl.searchParams.get('code_challenge'));
			await expect(a.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		});
	}

	it("A's attempt with B's iss: B's flow refuses the attempt (provider_mismatch), A's flow refuses the iss (iss_mismatch) and spends it; 0 token requests", async () => {
		const attempts = createMemoryStorage();
		const a = flowOf(spa, attempts);
		const b = flowOf(others['another provider']!, attempts);
		const { callbackUrl } = await redirectOf(a, OTHER);

		expect(await codeOf(b.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:provider_mismatch`);
		expect(await codeOf(a.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:iss_mismatch`);
		expect(await codeOf(a.handleCallback(callbackUrl))).toBe(`${ErrorCode.AuthorizationResponse}:state_mismatch`);
		expect(tokenRequests).toHaveLength(0);
	});

	it('an attempt saved by an earlier version (no provider recorded) -> provider_mismatch, "log in again", 0 token requests', async () => {
		const clock = createClock();
		const attempts = createMemoryStorage();
		const verifier = 'V'.repeat(64);
		attempts.setItem(
			'tokenkeeper:attempt:OLD-STATE',
			JSON.stringify({ state: 'OLD-STATE', codeVerifier: verifier, redirectUri: REDIRECT, expiresAt: clock.now() + 60_000 }),
		);
		const flow = createAuthorizationCodeFlow(spa, { attemptStorage: attempts, storage: 'memory', now: clock.now, retry: 0 });

		const refused = await flow.handleCallback(`${REDIRECT}?code=CODE-1&state=OLD-STATE&iss=${SQOWEY}`).catch((e: unknown) => e);

		expect(refused).toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'provider_mismatch' });
		expect((refused as Error).message).toContain('log in again');
		expect((refused as Error).message).not.toMatch(/OLD-STATE|CODE-1|VVVV/);
		expect(tokenRequests).toHaveLength(0);
	});

	it("the same provider and client in two flows (two sessions) is no mix-up: either flow may finish the other's attempt", async () => {
		const attempts = createMemoryStorage();
		const first = createAuthorizationCodeFlow(spa, { attemptStorage: attempts, storage: 'memory', key: 'first', retry: 0 });
		const second = createAuthorizationCodeFlow(spa, { attemptStorage: attempts, storage: 'memory', key: 'second', retry: 0 });
		const { callbackUrl } = await redirectOf(first, SQOWEY);
		await expect(second.handleCallback(callbackUrl)).resolves.toMatchObject({ accessToken: 'AT-1' });
		expect(tokenRequests).toHaveLength(1);
	});
});

describe('logout', () => {
	it('revokes the refresh token and the access token, then clears', async () => {
		const flow = flowWith();
		await flow.handleCallback((await loginRedirect(flow)).callbackUrl);
		expect(await flow.logout()).toEqual({ revoked: true, errors: [] });
		expect(revocations).toEqual([
			{ token: 'RT-1', token_type_hint: 'refresh_token', client_id: 'spa' },
			{ token: 'AT-1', token_type_hint: 'access_token', client_id: 'spa' },
		]);
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it('a failed revocation still clears local state, and says so', async () => {
		revocationAnswer = () => HttpResponse.json({ error: 'server_error' }, { status: 503 });
		const flow = flowWith();
		await flow.handleCallback((await loginRedirect(flow)).callbackUrl);
		const result = await flow.logout();
		expect(result.revoked).toBe(false);
		expect(result.errors.length).toBeGreaterThan(0);
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});
});

describe('a full sessionStorage', () => {
	/** A storage whose every write throws, as a full sessionStorage does. */
	const full = {
		getItem: () => null,
		setItem() {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		},
		removeItem() {},
	};

	it('QuotaExceededError while saving the attempt does not break the login', async () => {
		const flow = createAuthorizationCodeFlow(sqowey({ url: SQOWEY, clientId: 'spa', redirectUri: REDIRECT }), {
			attemptStorage: full,
			storage: 'memory',
		});
		const url = new URL(await flow.createAuthorizationUrl({ scope: 'identity' }));
		await expect(flow.handleCallback(`${REDIRECT}?code=C&state=${url.searchParams.get('state')}`)).resolves.toMatchObject({
			accessToken: 'AT-1',
		});
	});
	it('by default a full sessionStorage hands the attempt to localStorage, where the page after the redirect finds it', async () => {
		const local = createMemoryStorage();
		vi.stubGlobal('sessionStorage', full);
		vi.stubGlobal('localStorage', local);
		try {
			const provider = sqowey({ url: SQOWEY, clientId: 'spa', redirectUri: REDIRECT });
			const before = createAuthorizationCodeFlow(provider, { storage: 'memory' });
			const state = new URL(await before.createAuthorizationUrl({ scope: 'identity' })).searchParams.get('state');
			expect(local.getItem(`tokenkeeper:attempt:${state}`)).toContain('codeVerifier');
			// A new flow stands for the page the provider redirects back to: nothing of the first page's memory.
			const after = createAuthorizationCodeFlow(provider, { storage: 'memory' });
			await expect(after.handleCallback(`${REDIRECT}?code=C&state=${state}`)).resolves.toMatchObject({ accessToken: 'AT-1' });
			expect(local.getItem(`tokenkeeper:attempt:${state}`)).toBeNull();
		} finally {
			vi.unstubAllGlobals();
		}
	});
});
