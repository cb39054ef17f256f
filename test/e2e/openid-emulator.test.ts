import { describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, ErrorCode, oauth2 } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import type { IdTokenFault } from '../../src/testing/index.js';
import { useEmulator } from '../_helpers/emulator.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';

// OpenID Connect against the emulator's OpenID Provider, whose faults spoil one ID token in one way each: every attack
// of issue 25 fails with its own IdTokenError check, and nothing of that answer is kept.
const emulator = useEmulator();
const SCOPE = ['openid', 'offline_access'];

function flowOf(options: { fetch?: typeof fetch } = {}) {
	const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
	return createAuthorizationCodeFlow(oauth2({ issuer, clientId: publicClientId, redirectUri: REDIRECT_URI, grant: 'authorization_code' }), {
		attemptStorage: createMemoryStorage(),
		store: createMemoryStore(),
		retry: 0,
		fetch: options.fetch,
	});
}

async function logIn(flow: ReturnType<typeof flowOf>) {
	return flow.handleCallback(await visit(await flow.createAuthorizationUrl({ scope: SCOPE })));
}

/** A fetch that counts the requests to the emulator's JWKS. */
function countingJwks() {
	let jwks = 0;
	const fetchFunction: typeof fetch = (input, init) => {
		if (String(input instanceof Request ? input.url : input).endsWith('/oauth2/v1/jwks')) jwks += 1;
		return fetch(input, init);
	};
	return { fetchFunction, count: () => jwks };
}

describe('OpenID Connect against the emulator: the ID token attacks of issue 25', () => {
	it("a login with openid: the user is the emulator's, checked with its JWKS (fetched once for two logins)", async () => {
		const jwks = countingJwks();
		const flow = flowOf({ fetch: jwks.fetchFunction });
		await logIn(flow);
		const user = await flow.getUser();
		expect(user).toMatchObject({ iss: emulator().url, aud: emulator().credentials.oauth2.publicClientId, sub: expect.any(String) });
		await logIn(flow);
		expect(jwks.count()).toBe(1);
		expect(emulator().counters().oidc.idTokens).toBe(2);
	});

	const attacks: ReadonlyArray<[IdTokenFault, string]> = [
		['claim-changed', 'signature'],
		['foreign-key', 'signature'],
		['wrong-nonce', 'nonce'],
		['wrong-iss', 'iss'],
		['wrong-aud', 'aud'],
		['other-azp', 'azp'],
		['expired', 'exp'],
		['issued-in-future', 'iat'],
		['bad-at-hash', 'at_hash'],
		['alg-none', 'alg'],
	];
	it.each(attacks)('%s: IdTokenError check "%s"; nothing kept (no user, getToken needs a login)', async (fault, check) => {
		const flow = flowOf();
		emulator().injectIdTokenFault(fault);
		const error = await logIn(flow).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ name: 'IdTokenError', code: ErrorCode.IdToken, check });
		// What failed is said, never the token.
		expect(JSON.stringify(error) + String((error as Error).message)).not.toMatch(/eyJ/);
		expect(await flow.getUser()).toBeUndefined();
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it('unknown-kid (a key rotated since the JWKS was read): one more JWKS fetch, and the login succeeds', async () => {
		const jwks = countingJwks();
		const flow = flowOf({ fetch: jwks.fetchFunction });
		await logIn(flow);
		emulator().injectIdTokenFault('unknown-kid');
		await logIn(flow);
		expect(jwks.count()).toBe(2);
		expect((await flow.getUser())?.sub).toBeTypeOf('string');
	});

	it('other-sub on a refresh: IdTokenError check "sub"; the login\'s user and tokens stay', async () => {
		const flow = flowOf();
		const login = await logIn(flow);
		const user = await flow.getUser();
		emulator().injectIdTokenFault('other-sub');
		await expect(flow.tokens.getToken({ forceRefresh: true })).rejects.toMatchObject({ code: ErrorCode.IdToken, check: 'sub' });
		expect(await flow.getUser()).toEqual(user);
		expect((await flow.tokens.getToken()).accessToken).toBe(login.accessToken);
	});

	it('a refresh brings a new ID token, checked, the same user', async () => {
		const flow = flowOf();
		await logIn(flow);
		const before = await flow.getUser();
		const refreshed = await flow.tokens.getToken({ forceRefresh: true });
		expect(refreshed.idToken).toBeTypeOf('string');
		expect((await flow.getUser())?.sub).toBe(before?.sub);
		expect(emulator().counters().oidc.idTokens).toBeGreaterThanOrEqual(2);
	});

	it('fetchUserInfo: the userinfo of the signed-in user; a userinfo naming another sub: IdTokenError check "sub"', async () => {
		const flow = flowOf();
		await logIn(flow);
		const { sub } = (await flow.getUser())!;
		expect(await flow.fetchUserInfo()).toMatchObject({ sub });
		emulator().injectUserinfoFault('other-sub');
		await expect(flow.fetchUserInfo()).rejects.toMatchObject({ code: ErrorCode.IdToken, check: 'sub' });
	});

	it('fetchUserInfo when nobody is signed in: ERR_LOGIN_REQUIRED, no request', async () => {
		await expect(flowOf().fetchUserInfo()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it('logout: revoked, cleared, and the end-session URL the emulator accepts (302 to post_logout_redirect_uri with state)', async () => {
		const flow = flowOf();
		const { idToken } = await logIn(flow);
		const postLogoutRedirectUri = `${new URL(REDIRECT_URI).origin}/`;
		const signedOut: boolean[] = [];
		flow.tokens.on('signed-out', ({ otherTab }) => signedOut.push(otherTab));
		const { revoked, endSessionUrl } = await flow.logout({ postLogoutRedirectUri, state: 'bye' });
		expect(revoked).toBe(true);
		expect(signedOut).toEqual([false]);
		expect(await flow.getUser()).toBeUndefined();
		const url = new URL(endSessionUrl!);
		expect(url.searchParams.get('id_token_hint')).toBe(idToken);
		const answer = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
		expect(answer.status).toBe(302);
		expect(answer.headers.get('location')).toBe(`${postLogoutRedirectUri}?state=bye`);
		expect(emulator().counters().oidc.endSessions).toBe(1);
	});

	it('a provider without jwks_uri (Sqowey-style fixed endpoints) logs in with openid as before: no nonce, no check', async () => {
		const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
		const flow = createAuthorizationCodeFlow(
			oauth2({
				tokenEndpoint: `${issuer}/oauth2/v1/token`,
				authorizationEndpoint: `${issuer}/oauth2/v1/authorize`,
				clientId: publicClientId,
				redirectUri: REDIRECT_URI,
				grant: 'authorization_code',
			}),
			{ attemptStorage: createMemoryStorage(), store: createMemoryStore(), retry: 0 },
		);
		emulator().injectIdTokenFault('claim-changed');
		const url = await flow.createAuthorizationUrl({ scope: SCOPE });
		expect(new URL(url).searchParams.has('nonce')).toBe(false);
		const tokenSet = await flow.handleCallback(await visit(url));
		expect(tokenSet.idToken).toBeTypeOf('string');
		expect(await flow.getUser()).toBeUndefined();
	});
});
