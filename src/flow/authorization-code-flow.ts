import { rethrowAsOwn } from '../chunk-errors.js';
import type { TokenkeeperError } from '../errors.js';
import { createMemoryStorage } from '../key-value-storage.js';
import { defaultKey, type TokenManager } from '../token-manager.js';
import type { Provider } from '../provider.js';
import { openSession } from '../session.js';
import type { TokenSet } from '../token-set.js';
import { createIdTokenCheck } from '../oidc/id-token-check.js';
import { loadOpenId } from '../oidc/load.js';
import { claimsOf } from '../token-set.js';
import { once } from '../once.js';
import type { AuthorizationUrlOptions } from './authorization-url.js';
import type { AuthorizationCodeFlowOptions } from './flow-options.js';
import type { IdTokenUser } from './id-token-user.js';
import type { PopupOptions } from './popup.js';
import { openPopupWindow } from './popup-window.js';
import { loginKit } from './login-kit.js';
import type { LoginContext } from './login-steps.js';
import type { SessionSnapshot } from './session-state.js';
import { sessionStateOnDemand } from './session-state-on-demand.js';

// Loaded with `import()` when first used (each a chunk of its own in browsers): the login's two steps, and the popup
// login's code past opening the window.
const loadLoginSteps = /* @__PURE__ */ once(() => import('./login-steps.js'));
const loadPopupLogin = /* @__PURE__ */ once(() => import('./popup-login.js'));

/** Options of {@link AuthorizationCodeFlow.logout}. */
export interface LogoutOptions {
	/** Where the provider sends the browser back after its logout; must be registered with it. */
	readonly postLogoutRedirectUri?: string | undefined;
	/** Return the provider's end-session URL when it has one (OpenID RP-Initiated Logout). Default `true`. */
	readonly endSession?: boolean | undefined;
	/** Passed through the provider's logout to `postLogoutRedirectUri`. */
	readonly state?: string | undefined;
}

/** What {@link AuthorizationCodeFlow.logout} did. Local state is cleared in every case. */
export interface LogoutResult {
	/** True when every token was revoked at the provider. */
	readonly revoked: boolean;
	/** Why revocation failed or was skipped, if it did. */
	readonly errors: readonly TokenkeeperError[];
	/**
	 * Where to send the browser to end the person's session at the provider too (`location.assign(endSessionUrl)`):
	 * its `end_session_endpoint` with `id_token_hint`, `client_id`, `post_logout_redirect_uri` and `state`. `undefined`
	 * when the provider has none, or with `endSession: false`.
	 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
	 */
	readonly endSessionUrl?: string | undefined;
}

/** The authorization code + PKCE login, for browsers and servers. */
export interface AuthorizationCodeFlow {
	/** A new attempt (state + PKCE verifier stored, single use) and the URL to send the browser to. */
	createAuthorizationUrl(options?: AuthorizationUrlOptions): Promise<string>;
	/** Check the redirect back (state, `error`, `iss`), exchange the code at once, store the tokens. */
	handleCallback(callbackUrl: string | URL, options?: { signal?: AbortSignal }): Promise<TokenSet>;
	/** The session's manager: pass it as `auth` to `createClient`. */
	readonly tokens: TokenManager;
	/**
	 * Revoke the refresh and access tokens (RFC 7009), then clear local state even if revocation failed, and end the
	 * session in the app's other tabs (`storage: 'local'`). With an OpenID Provider, `endSessionUrl` is where to go next.
	 */
	logout(options?: LogoutOptions): Promise<LogoutResult>;
	/**
	 * Who is signed in: the checked claims of the session's ID token (a login with the `openid` scope), kept with the
	 * session across reloads and refreshes; `undefined` when nobody is.
	 */
	getUser(): Promise<IdTokenUser | undefined>;
	/**
	 * The provider's userinfo for the signed-in person, with the session's access token; its `sub` must be the ID
	 * token's (else `IdTokenError`, check `sub`).
	 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
	 */
	fetchUserInfo(options?: { signal?: AbortSignal }): Promise<Readonly<Record<string, unknown>>>;
	/**
	 * Log in in a popup instead of a redirect: call it from the click handler (the popup opens before anything is
	 * awaited); the popup's page at the redirect URI calls `handlePopupCallback()`, and the code is exchanged here. The
	 * result comes by BroadcastChannel (it survives a provider's `Cross-Origin-Opener-Policy`) and by `postMessage`,
	 * origin-checked. Fails with `PopupError` (`ERR_POPUP`): `blocked`, `closed`, `timeout`. `popup`: how it waits
	 * (a second argument: the authorization request's extra parameters are strings, these are not).
	 */
	loginWithPopup(options?: AuthorizationUrlOptions, popup?: PopupOptions): Promise<TokenSet>;
	/**
	 * Follow the session, for a UI: `listener` is called after each change of {@link getSnapshot}'s answer (a login, a
	 * refresh that changed the user's claims, a logout, a refresh refused, a failed login, another tab's login or logout
	 * with `storage: 'local'`). The session is read at the first subscription. Returns the function that unsubscribes.
	 * Made for React's `useSyncExternalStore`, Vue's `shallowRef`, Svelte's stores and signals.
	 */
	subscribe(listener: () => void): () => void;
	/**
	 * The session now: `{ status, user?, error? }`, status `loading` | `signed-out` | `signed-in` | `error`. The same
	 * frozen object until something changes; `loading` until a subscriber made the session be read.
	 */
	getSnapshot(): SessionSnapshot;
}

/**
 * Log a person in with the authorization code grant and PKCE (S256), then keep their tokens.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 * @example
 * const flow = createAuthorizationCodeFlow(sqowey({ clientId, redirectUri: location.origin + '/callback' }));
 * location.assign(await flow.createAuthorizationUrl({ scope: ['identity'] }));
 * // on /callback:
 * await flow.handleCallback(location.href);
 * const api = createClient({ prefixUrl: 'https://api.sqowey.de/', auth: flow.tokens });
 */
export function createAuthorizationCodeFlow(provider: Provider, options: AuthorizationCodeFlowOptions = {}): AuthorizationCodeFlow {
	const { manager, seam } = openSession(provider, options, createIdTokenCheck);
	const state = sessionStateOnDemand(manager, seam.entry);
	// RFC 9207 2.4, RFC 9700 4.4.2: each attempt records the server (issuer, else token endpoint) and client it is for.
	const login: LoginContext = {
		provider,
		seam,
		options,
		memory: createMemoryStorage(),
		owner: defaultKey(provider),
		kit: loginKit,
	};

	const flow: AuthorizationCodeFlow = {
		tokens: manager,

		createAuthorizationUrl: (urlOptions) =>
			loadLoginSteps()
				.then((steps) => steps.createAuthorizationUrl(login, urlOptions))
				.catch(rethrowAsOwn),

		handleCallback: (callbackUrl, { signal } = {}) =>
			state.track(
				loadLoginSteps()
					.then((steps) => steps.handleCallback(login, callbackUrl, signal))
					.catch(rethrowAsOwn),
				true,
			),

		async logout({ endSession = true, ...request } = {}) {
			const { revoked, errors, ended } = await seam.logout();
			const endpoint = endSession ? (await seam.endpoints().catch(() => undefined))?.endSession : undefined;
			const result = { revoked, errors };
			// The URL is made by the OpenID chunk, which only a provider with an end-session endpoint has us load.
			return endpoint ? (await loadOpenId()).endSessionResult(result, endpoint, provider.clientId, ended?.idToken, request) : result;
		},

		loginWithPopup(urlOptions = {}, popupOptions = {}) {
			// Synchronously, inside the click: a browser blocks a popup opened after an await.
			const opened = openPopupWindow(popupOptions.features);
			return state.track(
				loadPopupLogin()
					.then((module) => module.completePopupLogin(opened, flow, provider.redirectUri, urlOptions, popupOptions))
					.catch(rethrowAsOwn),
				false,
			);
		},

		async getUser() {
			const claims = claimsOf(await seam.entry());
			return claims && (Object.freeze({ ...claims }) as IdTokenUser);
		},

		subscribe: state.subscribe,
		getSnapshot: state.getSnapshot,

		async fetchUserInfo({ signal } = {}) {
			const [entry, endpoints, openId] = await Promise.all([seam.entry(), seam.endpoints(signal), loadOpenId()]);
			return openId.fetchUserInfo(manager, { endpoints, entry, fetchFunction: options.fetch, signal }).catch(rethrowAsOwn);
		},
	};
	return flow;
}
