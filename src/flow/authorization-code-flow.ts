import { AuthorizationResponseError, type TokenkeeperError } from '../errors.js';
import { authorizationCodeGrant } from '../grants.js';
import { attemptStorages, type KeyValueStorage } from '../key-value-storage.js';
import { invalidOption, requireUrls } from '../options.js';
import { defaultKey, type TokenManager } from '../token-manager.js';
import { computeCodeChallenge, generateCodeVerifier, generateState } from '../pkce.js';
import type { Provider } from '../provider.js';
import { openSession, type SessionOptions } from '../session.js';
import type { TokenSet } from '../token-set.js';
import { createAttemptStore } from './attempts.js';
import { buildAuthorizationUrl } from './authorization-url.js';
import { normalizeScope } from '../scope.js';
import { readCallbackParameters, validateAuthorizationResponse } from './callback.js';

/** Options of {@link createAuthorizationCodeFlow}. */
export interface AuthorizationCodeFlowOptions extends SessionOptions {
	/**
	 * Where login attempts (state, PKCE verifier) live until the callback. Default `sessionStorage`; when it is full,
	 * `localStorage` (the attempt is removed at the callback); then this page's memory.
	 */
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
	/**
	 * The APIs the login is for (RFC 8707 resource indicators): one login covers them all. The code exchange gets the
	 * first one's token; the others come by refresh, when a call asks for them. Default: the provider's `resource`.
	 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
	 */
	readonly resource?: string | readonly string[] | undefined;
	/** More authorization request parameters (`prompt`, `login_hint`…). */
	readonly [parameter: string]: string | readonly string[] | undefined;
}

/** What {@link AuthorizationCodeFlow.logout} did. Local state is cleared in every case. */
export interface LogoutResult {
	/** True when every token was revoked at the provider. */
	readonly revoked: boolean;
	/** Why revocation failed or was skipped, if it did. */
	readonly errors: readonly TokenkeeperError[];
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
	const { manager, seam } = openSession(provider, options);
	const attempts = createAttemptStore(options.attemptStorage ? [options.attemptStorage] : attemptStorages(), 'tokenkeeper:');
	const attemptTtl = options.attemptTtl ?? 10 * 60_000;
	// RFC 9207 2.4, RFC 9700 4.4.2: each attempt records the server (issuer, else token endpoint) and client it is for.
	const owner = defaultKey(provider);

	return {
		tokens: manager,

		async createAuthorizationUrl({ scope, redirectUri, resource = provider.resource, ...extra } = {}) {
			const endpoints = await seam.endpoints();
			if (!endpoints.authorization) throw invalidOption('authorizationEndpoint', 'set for a login', endpoints.authorization);
			const target = redirectUri ?? provider.redirectUri;
			if (!target) throw invalidOption('redirectUri', 'set, on the provider or in this call', target);
			const state = generateState();
			const codeVerifier = generateCodeVerifier();
			const resources = requireUrls(resource, 'resource');
			// RFC 8707 2.2: the code exchange names one resource, the first; the others come by refresh.
			attempts.save({ state, codeVerifier, redirectUri: target, expiresAt: seam.now() + attemptTtl, owner, resource: resources[0] });
			return buildAuthorizationUrl({
				authorizationEndpoint: endpoints.authorization,
				clientId: provider.clientId,
				redirectUri: target,
				scope: normalizeScope(scope),
				state,
				codeChallenge: await computeCodeChallenge(codeVerifier),
				// RFC 9449 10: the code is bound to the session's DPoP key, so only its holder can exchange it.
				dpopJkt: await seam.dpop?.then((dpop) => dpop.thumbprint()),
				resources,
				resourceParameter: provider.resourceParameter,
				extra,
			});
		},

		async handleCallback(callbackUrl, { signal } = {}) {
			const params = readCallbackParameters(callbackUrl);
			const state = params.get('state');
			if (!state) {
				throw new AuthorizationResponseError('The authorization response has no state: log in again.', {
					error: 'missing_state',
				});
			}
			const attempt = attempts.take(state, seam.now());
			if (!attempt) {
				throw new AuthorizationResponseError(
					"The authorization response's state matches no login in progress (forged, replayed or too old): log in again.",
					{ error: 'state_mismatch' },
				);
			}
			if (attempt.owner !== owner) {
				// Another provider's or client's attempt (or an earlier version's, which names none) is refused before anything
				// is sent, and put back: the callback most likely reached the wrong flow, and its own flow can still finish it.
				attempts.save(attempt);
				throw new AuthorizationResponseError(
					'The authorization response is for another provider or client: handle it with its flow, or log in again.',
					{ error: 'provider_mismatch' },
				);
			}
			// The attempt is this provider's (checked above): the `iss` must name the issuer the login went to, discovered
			// for a provider found from its API's metadata (RFC 9728).
			const issuer = provider.issuer ?? (await seam.endpoints(signal)).issuer;
			const { code } = validateAuthorizationResponse(params, { state, issuer });
			return seam.login(authorizationCodeGrant(code, attempt.redirectUri, attempt.codeVerifier), signal, attempt.resource);
		},

		logout: seam.logout,
	};
}
