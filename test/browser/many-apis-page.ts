/**
 * Bundled for a browser page by many-apis.test.ts: an SPA whose one login (authorization code + PKCE, at the emulator's
 * OAuth2 server on another origin) covers two APIs, `/orders/` and `/billing/` (RFC 8707), with the session in
 * IndexedDB (`storage: 'local'`), shared by every tab of the origin under one cross-tab lock (Web Locks).
 */
import { createAuthorizationCodeFlow, createClient, isTokenkeeperError, oauth2 } from '../../src/index.js';

/** Set by the test's server: the emulator (the OAuth2 server and its two APIs). */
interface ManyApisConfig {
	readonly issuer: string;
	readonly clientId: string;
	readonly orders: string;
	readonly billing: string;
	/** How long before expiry a token counts as expired, in ms; the manager's default when absent. */
	readonly leeway?: number;
}

/** What an API of the emulator answers: who called it, with a token for which resource. */
export interface ApiAnswer {
	readonly resource: string;
	readonly path: string;
	readonly sub: string;
}

/** How one call ended: the API's answer, or why it failed (the error's name and message). */
export type CallOutcome = ApiAnswer | { readonly error: string };

/** What the page offers the test. */
export interface ManyApisPage {
	/** Go to the authorization endpoint for one login that names both APIs (the test clicks `#login` to do it). */
	login(): Promise<void>;
	/** `count` concurrent calls to each API, started at `at` (ms since the epoch): how each ended, orders' first. */
	callBoth(count: number, at?: number): Promise<CallOutcome[]>;
	/** Whether this tab sees a session (a token for the orders API, from the store or by refresh). */
	loggedIn(): Promise<boolean>;
}

declare global {
	interface Window {
		MANY_APIS: ManyApisConfig;
		manyApis: ManyApisPage;
	}
}

const { issuer, clientId, orders, billing, leeway } = window.MANY_APIS;
const flow = createAuthorizationCodeFlow(
	oauth2({ issuer, clientId, redirectUri: `${location.origin}/callback`, grant: 'authorization_code' }),
	// IndexedDB: the store two tabs share a rotating refresh token through. No retries: a failure must show.
	{ storage: 'local', retry: 0, leeway },
);
// One client per API, each asking the session for that API's token (RFC 8707 `resource`).
const apis = {
	orders: createClient({ prefixUrl: orders, auth: flow.tokens, resource: orders, retry: 0 }),
	billing: createClient({ prefixUrl: billing, auth: flow.tokens, resource: billing, retry: 0 }),
};
const output = document.querySelector('#output')!;

window.manyApis = {
	async login() {
		location.assign(
			await flow.createAuthorizationUrl({
				scope: ['openid', 'offline_access', 'orders:read', 'billing:read'],
				resource: [orders, billing],
			}),
		);
	},
	async callBoth(count, at = Date.now()) {
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
		// Every call settles, so that the test sees how many failed, and why, beside the emulator's counters.
		const call = (api: keyof typeof apis, index: number) =>
			apis[api]
				.get(`call-${index}`)
				.json<ApiAnswer>()
				.catch((error: unknown): CallOutcome => ({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
		const calls = (api: keyof typeof apis) => Array.from({ length: count }, (_, index) => call(api, index));
		return Promise.all([...calls('orders'), ...calls('billing')]);
	},
	async loggedIn() {
		try {
			await flow.tokens.getToken({ resource: orders });
			return true;
		} catch {
			return false;
		}
	},
};

document.querySelector('#login')!.addEventListener('click', () => {
	window.manyApis.login().catch((error: unknown) => {
		output.textContent = isTokenkeeperError(error) ? `${error.code}: ${error.message}` : String(error);
	});
});

if (location.pathname === '/callback') {
	try {
		await flow.handleCallback(location.href);
		output.textContent = 'Logged in.';
	} catch (error) {
		output.textContent = isTokenkeeperError(error) ? `${error.code}: ${error.message}` : String(error);
	}
	history.replaceState(null, '', '/');
}
document.body.dataset.ready = 'true';
