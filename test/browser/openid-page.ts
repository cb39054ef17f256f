/**
 * Bundled for a browser page by openid.test.ts: an SPA that logs in with `openid` (authorization code + PKCE, by
 * redirect, at the emulator's OAuth2 server on another origin, an OpenID Provider), so that the ID token is checked
 * here, in the browser, with Web Crypto. The session is in IndexedDB (`storage: 'local'`), shared by the origin's tabs.
 */
import { createAuthorizationCodeFlow, oauth2 } from '../../src/index.js';

/** Set by the test's server. */
interface OpenIdConfig {
	readonly issuer: string;
	readonly clientId: string;
}

/** An error as the test reads it: its name, code, ID token check (IdTokenError) and message. */
export interface Failure {
	readonly name: string;
	readonly code?: string;
	readonly check?: string;
	readonly message: string;
}

/** How a call ended: its result, or its error. */
export type Outcome<T> = { readonly ok: T } | { readonly error: Failure };

/** What this page load did: the callback's outcome (with the ID token's `kid`), and what it checked with. */
export interface PageLoad {
	/** The callback's outcome, on the page load that handled it (undefined on any other). */
	readonly callback?: Outcome<{ readonly kid: string | undefined }>;
	/** The URL the last login went to (kept across the redirect in sessionStorage). */
	readonly authorizationUrl: string | null;
	/** The algorithm of each `crypto.subtle.verify` call of this page load, and what it answered. */
	readonly verified: readonly { readonly algorithm: string; readonly valid: boolean }[];
	/** How many times this page load fetched the issuer's JWKS (Resource Timing: what the browser itself sent). */
	readonly jwksFetches: number;
}

/** What the page offers the test. */
export interface OpenIdPage {
	load(): PageLoad;
	/** `getUser()`'s claims (`sub`, `nonce`…), or undefined. */
	user(): Promise<Record<string, unknown> | undefined>;
	/** `getToken()` (with `forceRefresh`: a refresh), as an outcome; `ok` holds the token's last 8 characters. */
	token(forceRefresh?: boolean): Promise<Outcome<string>>;
	/** `fetchUserInfo()`'s `sub`, as an outcome. */
	userinfo(): Promise<Outcome<string>>;
	/** `logout()` with a post-logout redirect URI: whether it revoked, and the end-session URL's parameters. */
	logout(): Promise<{ revoked: boolean; endSession?: Record<string, string> }>;
	/** Forget the session here (`tokens.clear()`), so that a case starts signed out. */
	clear(): Promise<void>;
	/** The `signed-in`/`signed-out` events this page load saw. */
	readonly events: { readonly type: string; readonly otherTab: boolean }[];
}

declare global {
	interface Window {
		OPENID: OpenIdConfig;
		openid: OpenIdPage;
	}
}

// Web Crypto, watched before the flow exists: each verification the ID token check asks the browser for.
const verified: { algorithm: string; valid: boolean }[] = [];
const subtle = crypto.subtle;
const verify = subtle.verify.bind(subtle);
subtle.verify = (async (...args: Parameters<SubtleCrypto['verify']>) => {
	const [algorithm] = args;
	const valid = await verify(...args);
	verified.push({ algorithm: typeof algorithm === 'string' ? algorithm : algorithm.name, valid });
	return valid;
}) as SubtleCrypto['verify'];

const { issuer, clientId } = window.OPENID;
const SCOPE = ['openid', 'offline_access'];
const flow = createAuthorizationCodeFlow(
	oauth2({ issuer, clientId, redirectUri: `${location.origin}/callback`, grant: 'authorization_code' }),
	{
		storage: 'local',
		retry: 0,
	},
);
const events: { type: string; otherTab: boolean }[] = [];
for (const type of ['signed-in', 'signed-out'] as const) flow.tokens.on(type, ({ otherTab }) => void events.push({ type, otherTab }));

function failure(error: unknown): Failure {
	if (!(error instanceof Error)) return { name: 'unknown', message: String(error) };
	const { code, check } = error as { code?: string; check?: string };
	return { name: error.name, code, check, message: error.message };
}

const settle = <T>(work: Promise<T>): Promise<Outcome<T>> =>
	work.then(
		(ok) => ({ ok }),
		(error: unknown) => ({ error: failure(error) }),
	);

/** The `kid` of a compact JWS's header. */
function kidOf(jws: string | undefined): string | undefined {
	if (!jws) return undefined;
	const header = jws.split('.')[0]!.replaceAll('-', '+').replaceAll('_', '/');
	return (JSON.parse(atob(header)) as { kid?: string }).kid;
}

let callback: PageLoad['callback'];

window.openid = {
	load: () => ({
		callback,
		authorizationUrl: sessionStorage.getItem('test:authorization-url'),
		verified: [...verified],
		jwksFetches: performance.getEntriesByType('resource').filter((entry) => new URL(entry.name).pathname.endsWith('/jwks')).length,
	}),
	async user() {
		return (await flow.getUser()) as Record<string, unknown> | undefined;
	},
	token: (forceRefresh = false) => settle(flow.tokens.getToken({ forceRefresh }).then(({ accessToken }) => accessToken.slice(-8))),
	userinfo: () => settle(flow.fetchUserInfo().then((claims) => String(claims.sub))),
	async logout() {
		const { revoked, endSessionUrl } = await flow.logout({ postLogoutRedirectUri: `${location.origin}/` });
		return { revoked, ...(endSessionUrl ? { endSession: Object.fromEntries(new URL(endSessionUrl).searchParams) } : {}) };
	},
	clear: () => flow.tokens.clear(),
	events,
};

document.querySelector('#login')!.addEventListener('click', async () => {
	const url = await flow.createAuthorizationUrl({ scope: SCOPE });
	sessionStorage.setItem('test:authorization-url', url);
	location.assign(url);
});

if (location.pathname === '/callback') {
	callback = await settle(flow.handleCallback(location.href).then((tokenSet) => ({ kid: kidOf(tokenSet.idToken) })));
	history.replaceState(null, '', '/');
}
document.body.dataset.ready = 'true';
