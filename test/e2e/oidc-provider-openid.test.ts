import { describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, ErrorCode, oauth2 } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import type { TokenStore } from '../../src/stores/store.js';
import { SPA_POST_LOGOUT_REDIRECT_URI } from '../_helpers/oidc-provider-config.js';
import { useOpenIdProvider } from '../_helpers/oidc-provider.js';

// OpenID Connect against panva's oidc-provider (OpenID Certified): its ID tokens, signed with its keys, are checked for
// real (signature over its JWKS, iss, aud, exp, iat, nonce), so the checker does not only agree with our emulator.
const op = useOpenIdProvider();
const SCOPE = ['openid', 'offline_access', 'orders:read'];

/** A flow of the SPA client; `tamper` rewrites the token endpoint's JSON answers on their way in. */
function spaFlow(options: { store?: TokenStore; tamper?: (body: Record<string, unknown>) => Record<string, unknown> } = {}) {
	const { issuer, clients } = op();
	const { tamper } = options;
	const tampering: typeof fetch | undefined = tamper
		? async (input, init) => {
				const response = await fetch(input, init);
				if (!String(input instanceof Request ? input.url : input).endsWith('/token') || !response.ok) return response;
				const body = tamper((await response.json()) as Record<string, unknown>);
				return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
			}
		: undefined;
	return createAuthorizationCodeFlow(oauth2({ issuer, ...clients.spa, grant: 'authorization_code' }), {
		attemptStorage: createMemoryStorage(),
		store: options.store ?? createMemoryStore(),
		retry: 0,
		fetch: tampering,
	});
}

async function logIn(flow: ReturnType<typeof spaFlow>) {
	const url = await flow.createAuthorizationUrl({ scope: SCOPE });
	return flow.handleCallback(await op().login(url));
}

describe('OpenID Connect against a certified OpenID Provider (oidc-provider)', () => {
	it('a login with openid: the authorization request carries a nonce; the ID token is checked and its user kept', async () => {
		const flow = spaFlow();
		expect(await flow.getUser()).toBeUndefined();
		const url = new URL(await flow.createAuthorizationUrl({ scope: SCOPE }));
		expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{32,}$/);
		const tokenSet = await flow.handleCallback(await op().login(url.href));
		expect(tokenSet.idToken).toBeTypeOf('string');
		const user = await flow.getUser();
		expect(user).toMatchObject({ sub: op().user, iss: op().issuer, aud: op().clients.spa.clientId, nonce: url.searchParams.get('nonce') });
		expect(Object.isFrozen(user)).toBe(true);
	});

	it('the user survives a reload (a new flow on the same store) and a refresh, whose new ID token is checked too', async () => {
		const store = createMemoryStore();
		await logIn(spaFlow({ store }));
		let refreshes = 0;
		const reloaded = spaFlow({
			store,
			tamper: (body) => {
				refreshes += 1;
				expect(body.id_token).toBeTypeOf('string');
				return body;
			},
		});
		expect((await reloaded.getUser())?.sub).toBe(op().user);
		await reloaded.tokens.getToken({ forceRefresh: true });
		expect(refreshes).toBe(1);
		expect((await reloaded.getUser())?.sub).toBe(op().user);
	});

	it('a refresh whose ID token was changed: IdTokenError check "signature", the answer not kept (the login\'s user stays)', async () => {
		let tampering = false;
		const flow = spaFlow({
			tamper: (body) => {
				if (!tampering) return body;
				const [header, payload, signature] = String(body.id_token).split('.');
				const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
				return {
					...body,
					id_token: `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url')}.${signature}`,
				};
			},
		});
		const login = await logIn(flow);
		tampering = true;
		await expect(flow.tokens.getToken({ forceRefresh: true })).rejects.toMatchObject({ code: ErrorCode.IdToken, check: 'signature' });
		expect((await flow.tokens.getToken()).accessToken).toBe(login.accessToken);
		expect((await flow.getUser())?.sub).toBe(op().user);
	});

	it('a changed claim (signature no longer matches): IdTokenError check "signature", and nothing kept', async () => {
		const flow = spaFlow({
			tamper: (body) => {
				const [header, payload, signature] = String(body.id_token).split('.');
				const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
				const changed = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
				return { ...body, id_token: `${header}.${changed}.${signature}` };
			},
		});
		await expect(logIn(flow)).rejects.toMatchObject({ code: ErrorCode.IdToken, check: 'signature' });
		expect(await flow.getUser()).toBeUndefined();
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it('another login\'s ID token (its nonce): IdTokenError check "nonce", and nothing kept', async () => {
		const other = spaFlow();
		const { idToken } = await logIn(other);
		const flow = spaFlow({ tamper: (body) => ({ ...body, id_token: idToken }) });
		await expect(logIn(flow)).rejects.toMatchObject({ code: ErrorCode.IdToken, check: 'nonce' });
		expect(await flow.getUser()).toBeUndefined();
	});

	it('alg none (the signature stripped): IdTokenError check "alg"', async () => {
		const flow = spaFlow({
			tamper: (body) => {
				const [, payload] = String(body.id_token).split('.');
				const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
				return { ...body, id_token: `${none}.${payload}.` };
			},
		});
		await expect(logIn(flow)).rejects.toMatchObject({ code: ErrorCode.IdToken, check: 'alg' });
	});

	it('logout: revoked, cleared, and the end-session URL (id_token_hint, client_id, post_logout_redirect_uri, state) that oidc-provider accepts', async () => {
		const flow = spaFlow();
		const { idToken } = await logIn(flow);
		const { revoked, errors, endSessionUrl } = await flow.logout({
			postLogoutRedirectUri: SPA_POST_LOGOUT_REDIRECT_URI,
			state: 'after-logout',
		});
		// oidc-provider revokes the refresh token but not a JWT access token (RFC 9068): it says so, and the session is cleared.
		expect(revoked).toBe(false);
		expect(errors).toMatchObject([{ code: ErrorCode.OAuth, error: 'unsupported_token_type' }]);
		expect(await flow.getUser()).toBeUndefined();
		const url = new URL(endSessionUrl as string);
		expect(`${url.origin}${url.pathname}`).toBe(`${op().issuer}/session/end`);
		expect(Object.fromEntries(url.searchParams)).toEqual({
			id_token_hint: idToken,
			client_id: op().clients.spa.clientId,
			post_logout_redirect_uri: SPA_POST_LOGOUT_REDIRECT_URI,
			state: 'after-logout',
		});
		// oidc-provider checks the hint's signature and the registered URI before it shows its logout confirmation.
		const page = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
		expect(page.status).toBe(200);
		expect(await page.text()).toMatch(/logout/i);
		expect((await flow.logout({ endSession: false })).endSessionUrl).toBeUndefined();
	});
});
