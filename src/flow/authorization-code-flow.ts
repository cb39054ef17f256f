import { resolveEndpoints } from '../discovery.js';
import { requestToken } from '../endpoint.js';
import { AuthorizationResponseError, isOAuthError, LoginRequiredError, type TokenkeeperError } from '../errors.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { createTokenManager, defaultKey, type TokenManager, type TokenManagerOptions } from '../manager.js';
import { computeCodeChallenge, generateCodeVerifier, generateState } from '../pkce.js';
import type { Provider } from '../provider.js';
import { defaultStore } from '../stores/default-store.js';
import type { TokenStore } from '../stores/store.js';
import { createIndexedDbStore } from '../stores/indexed-db.js';
import { browserStorage, createWebStorageStore, sessionStorageOrMemory } from '../stores/web-storage.js';
import type { TokenSet } from '../token-set.js';
import { normaliseTransport } from '../transport.js';
import type { KeyValueStorage } from '../stores/key-value-storage.js';
import { createAttemptStore } from './attempts.js';
import { buildAuthorizationUrl, normaliseScope } from './authorization-url.js';
import { readCallbackParameters, validateAuthorizationResponse } from './callback.js';
import { revokeToken } from './revocation.js';

/**
 * Where the flow keeps tokens: `session` (sessionStorage: this tab only; the default in browsers),
 * `local` (IndexedDB: shared by every tab of the origin, rotation-safe across them, survives restarts),
 * `memory` (this page only; the default outside browsers).
 */
export type TokenStorageKind = 'session' | 'local' | 'memory';

/** Options of {@link createAuthorizationCodeFlow}. */
export interface AuthorizationCodeFlowOptions extends TokenManagerOptions {
	/** Where tokens live, unless `store` is given. */
	readonly storage?: TokenStorageKind | undefined;
	/** Where login attempts (state, PKCE verifier) live until the callback. Default `sessionStorage`, or memory. */
	readonly attemptStorage?: KeyValueStorage | undefined;
	/** How long a login attempt may take, from the redirect to the callback, in ms. Default 10 minutes. */
	readonly attemptTtl?: number | undefined;
}

/** Options of {@link AuthorizationCodeFlow.createAuthorizationUrl}. */
export interface AuthorizationUrlOptions {
	/** Scopes: an array or a space-separated string. */
	readonly scope?: string | readonly string[] | undefined;
	/** Overrides the provider's `redirectUri` for this attempt. */
	readonly redirectUri?: string | undefined;
	/** More authorization request parameters (`prompt`, `login_hint`…). */
	readonly [parameter: string]: string | readonly string[] | undefined;
}

/** What {@link AuthorizationCodeFlow.logout} did. Local state is cleared in every case. */
export interface LogoutResult {
	/** True when every token was revoked at the provider. */
	readonly revoked: boolean;
	/** Why revocation failed or was skipped, if it did. */
	readonly errors: readonly (TokenkeeperError | Error)[];
}

/** The authorization code + PKCE login, for browsers and servers. */
export interface AuthorizationCodeFlow {
	/** A new attempt (state + PKCE verifier stored, single use) and the URL to send the browser to. */
	createAuthorizationUrl(options?: AuthorizationUrlOptions): Promise<string>;
	/** Check the redirect back (state, `error`, `iss`), exchange the code at once, store the tokens. */
	handleCallback(callbackUrl: string | URL, options?: { signal?: AbortSignal }): Promise<TokenSet>;
	/** The session's manager: pass it as `auth` to `createClient`. */
	readonly tokens: TokenManager;
	/** Revoke the refresh and access tokens (RFC 7009), then clear local state even if revocation failed. */
	logout(): Promise<LogoutResult>;
}

function tokenStore(kind: TokenStorageKind | undefined): TokenStore {
	if (kind === 'memory') return defaultStore();
	if (kind === 'local') {
		// Shared by tabs: IndexedDB, whose reads after a lock hand-off see the other tab's rotation
		// (localStorage's cross-process copies may lag behind, which would reuse a rotated refresh token).
		if (typeof indexedDB !== 'undefined') return createIndexedDbStore();
		const local = browserStorage('localStorage');
		if (!local) throw new TypeError('`storage: "local"` needs IndexedDB or localStorage, which this runtime lacks');
		return createWebStorageStore({ storage: local });
	}
	const session = browserStorage('sessionStorage');
	return session ? createWebStorageStore({ storage: session, lockStorage: browserStorage('localStorage') ?? session }) : defaultStore();
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
	const transport = normaliseTransport(options);
	const store = options.store ?? tokenStore(options.storage);
	const key = options.key ?? defaultKey(provider);
	const tokens = createTokenManager(provider, { ...options, store, key });
	const attempts = createAttemptStore(options.attemptStorage ?? sessionStorageOrMemory(), 'tokenkeeper:');
	const attemptTtl = options.attemptTtl ?? 10 * 60_000;

	async function exchange(code: string, attempt: { redirectUri: string; codeVerifier: string }, signal?: AbortSignal): Promise<TokenSet> {
		const endpoints = await resolveEndpoints(provider, transport, signal);
		try {
			return await requestToken(provider, endpoints.token, authorizationCodeGrant(code, attempt.redirectUri, attempt.codeVerifier), transport, signal);
		} catch (error) {
			if (isOAuthError(error) && error.error === 'invalid_grant') {
				throw new LoginRequiredError('The authorization code expired or was already used: log in again.', { cause: error });
			}
			throw error;
		}
	}

	return {
		tokens,

		async createAuthorizationUrl({ scope, redirectUri, ...extra } = {}) {
			const endpoints = await resolveEndpoints(provider, transport);
			if (!endpoints.authorization) throw new TypeError(`Provider ${provider.name} has no authorization endpoint`);
			const target = redirectUri ?? provider.redirectUri;
			if (!target) throw new TypeError('Expected `redirectUri`, on the provider or in this call');
			const state = generateState();
			const codeVerifier = generateCodeVerifier();
			attempts.save({ state, codeVerifier, redirectUri: target, expiresAt: transport.now() + attemptTtl });
			const extraParameters = Object.fromEntries(
				Object.entries(extra).map(([name, value]) => [name, Array.isArray(value) ? value.join(' ') : (value as string | undefined)]),
			);
			return buildAuthorizationUrl({
				authorizationEndpoint: endpoints.authorization,
				clientId: provider.clientId,
				redirectUri: target,
				scope: normaliseScope(scope),
				state,
				codeChallenge: await computeCodeChallenge(codeVerifier),
				extra: extraParameters,
			});
		},

		async handleCallback(callbackUrl, { signal } = {}) {
			const params = readCallbackParameters(callbackUrl);
			const state = params.get('state');
			if (!state) {
				throw new AuthorizationResponseError('The authorization response has no state: it was not started here. Log in again.', {
					error: 'missing_state',
				});
			}
			const attempt = attempts.take(state, transport.now());
			if (!attempt) {
				throw new AuthorizationResponseError(
					'The authorization response\'s state matches no login in progress: it is forged, replayed, or too old. Log in again.',
					{ error: 'state_mismatch' },
				);
			}
			const { code } = validateAuthorizationResponse(params, { state, issuer: provider.issuer });
			// Rule 8: the first login is a token request of the session too, so it runs inside the session's lock.
			const run = async () => tokens.setTokens(await exchange(code, attempt, signal));
			return store.withLock ? store.withLock(key, run, { signal }) : run();
		},

		async logout() {
			const current = await store.get(key);
			const errors: Array<TokenkeeperError | Error> = [];
			let revocation: string | undefined;
			try {
				revocation = (await resolveEndpoints(provider, transport)).revocation;
			} catch (error) {
				errors.push(error as Error);
			}
			if (current && revocation) {
				if (current.refreshToken) {
					const error = await revokeToken(provider, revocation, current.refreshToken, 'refresh_token', transport);
					if (error) errors.push(error);
				}
				const error = await revokeToken(provider, revocation, current.accessToken, 'access_token', transport);
				if (error) errors.push(error);
			} else if (current && !errors.length) {
				errors.push(new Error(`Provider ${provider.name} has no revocation endpoint: the tokens stay valid until they expire.`));
			}
			await tokens.clear();
			return { revoked: current !== undefined && errors.length === 0, errors };
		},
	};
}
