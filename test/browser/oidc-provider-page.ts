/**
 * Bundled for a browser page by oidc-provider.test.ts: an SPA on a loopback origin that logs in with `openid` at
 * panva's oidc-provider (OpenID Certified) on another origin, so that a real provider's ID token (RS256, its own keys)
 * is checked here, in the browser, with Web Crypto. The login itself is followed by the test in Node (`op().login`);
 * the page makes the authorization URL and handles the callback URL it is given, calling the provider by CORS
 * (discovery, the token endpoint, the JWKS).
 */
import { createAuthorizationCodeFlow, oauth2 } from '../../src/index.js';

/** Set by the test's server. */
interface ProviderConfig {
	readonly issuer: string;
	readonly clientId: string;
	readonly redirectUri: string;
}

/** An error as the test reads it. */
export interface Failure {
	readonly name: string;
	readonly code?: string;
	readonly check?: string;
	readonly message: string;
}

/** How a call ended: its result, or its error. */
export type Outcome<T> = { readonly ok: T } | { readonly error: Failure };

/** What the page offers the test. */
export interface OidcProviderPage {
	/** `createAuthorizationUrl({ scope: ['openid', 'offline_access'] })`. */
	authorize(): Promise<string>;
	/** `handleCallback(url)`: whether the answer held an ID token, or the error. */
	callback(url: string): Promise<Outcome<{ readonly idToken: boolean }>>;
	/** `getUser()`'s claims, or undefined. */
	user(): Promise<Record<string, unknown> | undefined>;
	/** `getToken()`, as an outcome; `ok` holds the token's last 8 characters. */
	token(): Promise<Outcome<string>>;
	/** From now on, the token endpoint's answers reach the flow with a claim of their ID token changed (`sub`). */
	tamper(): void;
	/** The algorithm of each `crypto.subtle.verify` call, and what it answered. */
	readonly verified: { readonly algorithm: string; readonly valid: boolean }[];
	/** What the page's fetch saw: each request's method and path, and the status the browser got (0: a CORS failure). */
	readonly requests: { readonly method: string; readonly path: string; readonly status: number }[];
}

declare global {
	interface Window {
		OP: ProviderConfig;
		oidcProvider: OidcProviderPage;
	}
}

// Web Crypto, watched before the flow exists.
const verified: { algorithm: string; valid: boolean }[] = [];
const subtle = crypto.subtle;
const verify = subtle.verify.bind(subtle);
subtle.verify = (async (...args: Parameters<SubtleCrypto['verify']>) => {
	const [algorithm] = args;
	const valid = await verify(...args);
	verified.push({ algorithm: typeof algorithm === 'string' ? algorithm : algorithm.name, valid });
	return valid;
}) as SubtleCrypto['verify'];

const base64url = {
	decode: (text: string) => atob(text.replaceAll('-', '+').replaceAll('_', '/')),
	encode: (text: string) => btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),
};

/** The compact JWS with its `sub` changed after signing: header and signature kept. */
function changeClaim(jws: string): string {
	const [header, payload, signature] = jws.split('.') as [string, string, string];
	const claims = JSON.parse(base64url.decode(payload)) as Record<string, unknown>;
	return `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: 'mallory' }))}.${signature}`;
}

let tampering = false;
const requests: { method: string; path: string; status: number }[] = [];
/** The browser's own fetch (CORS and all), watched, and the token endpoint's answers rewritten once `tamper()` is on. */
const watchedFetch: typeof fetch = async (input, init) => {
	const request = new Request(input, init);
	const path = new URL(request.url).pathname;
	let response: Response;
	try {
		response = await fetch(request);
	} catch (error) {
		requests.push({ method: request.method, path, status: 0 });
		throw error;
	}
	requests.push({ method: request.method, path, status: response.status });
	if (!tampering || !path.endsWith('/token') || !response.ok) return response;
	const body = (await response.json()) as Record<string, unknown>;
	const changed = { ...body, id_token: changeClaim(String(body.id_token)) };
	return new Response(JSON.stringify(changed), { status: response.status, headers: { 'content-type': 'application/json' } });
};

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

const { issuer, clientId, redirectUri } = window.OP;
const flow = createAuthorizationCodeFlow(oauth2({ issuer, clientId, redirectUri, grant: 'authorization_code' }), {
	retry: 0,
	fetch: watchedFetch,
});

window.oidcProvider = {
	authorize: () => flow.createAuthorizationUrl({ scope: ['openid', 'offline_access'] }),
	callback: (url) => settle(flow.handleCallback(url).then((tokenSet) => ({ idToken: typeof tokenSet.idToken === 'string' }))),
	user: async () => (await flow.getUser()) as Record<string, unknown> | undefined,
	token: () => settle(flow.tokens.getToken().then(({ accessToken }) => accessToken.slice(-8))),
	tamper() {
		tampering = true;
	},
	verified,
	requests,
};
document.body.dataset.ready = 'true';
