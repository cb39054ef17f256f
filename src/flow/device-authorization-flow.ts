import { delay } from '../abortable.js';
import { requestDeviceAuthorization } from '../endpoint/index.js';
import { AuthorizationResponseError, isOAuthError } from '../errors.js';
import { deviceCodeGrant } from '../grants.js';
import type { Provider } from '../provider.js';
import { openSession, type SessionOptions, type TokenStorageKind } from '../session.js';
import type { TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import { normalizeScope } from '../scope.js';
import { requireUrls } from '../options.js';

/** Options of {@link createDeviceAuthorizationFlow}: the manager's, and where tokens live. */
export interface DeviceAuthorizationFlowOptions extends SessionOptions {
	/** Where tokens live, unless `store` is given. Default `memory` (a machine without a browser has no web storage). */
	readonly storage?: TokenStorageKind | undefined;
}

/** A device login under way: what to show the person, and the wait for their answer. */
export interface DeviceLogin {
	/** The code the person types at `verificationUri`. */
	readonly userCode: string;
	readonly verificationUri: string;
	/** `verificationUri` with the code in it, when the provider offers one (for a link or a QR code). */
	readonly verificationUriComplete: string | undefined;
	/** Epoch ms after which the codes are dead and the login must start again. */
	readonly expiresAt: number;
	/**
	 * Poll until the person approves (the tokens are then stored through the session's manager, like any login),
	 * denies (`access_denied`), or the code expires (`expired_token`); both end in an
	 * {@link AuthorizationResponseError}. `signal` stops waiting.
	 */
	complete(options?: { readonly signal?: AbortSignal | undefined }): Promise<TokenSet>;
}

/** The device authorization grant (RFC 8628), for machines without a browser: SSH sessions, CI runners, containers. */
export interface DeviceAuthorizationFlow {
	/** The session's manager: pass it as `auth` to `createClient`. */
	readonly tokens: TokenManager;
	/** Start a login: a user code for the person, and `complete()` to wait for them. */
	start(options?: {
		readonly scope?: string | readonly string[] | undefined;
		/**
		 * The APIs the login is for (RFC 8707): each named in the device authorization request; the login's token is the
		 * first one's, the others come by refresh. Default: the provider's `resource`.
		 */
		readonly resource?: string | readonly string[] | undefined;
		readonly signal?: AbortSignal | undefined;
	}): Promise<DeviceLogin>;
}

/** What RFC 8628 3.5 says about each error of a poll. */
const FINAL_ERRORS: Record<string, string> = {
	access_denied: 'The login was refused at the provider (access_denied): start it again if that was a mistake.',
	expired_token: 'The device code expired before the login was completed (expired_token): start the login again.',
};

/**
 * Log a person in on another device: show them a code and a URL, then poll the token endpoint until they approve,
 * honouring `interval` and `slow_down` (+5 s).
 * @see https://www.rfc-editor.org/rfc/rfc8628
 * @example
 * const flow = createDeviceAuthorizationFlow(oauth2({ issuer, clientId, grant: 'device_code' }));
 * const login = await flow.start({ scope: 'openid offline_access' });
 * console.error(`Open ${login.verificationUri} and enter ${login.userCode}`);
 * await login.complete();
 * const api = createClient({ prefixUrl, auth: flow.tokens });
 */
export function createDeviceAuthorizationFlow(provider: Provider, options: DeviceAuthorizationFlowOptions = {}): DeviceAuthorizationFlow {
	const { manager, seam } = openSession(provider, { storage: 'memory', ...options });
	return {
		tokens: manager,
		async start({ scope, resource = provider.resource, signal } = {}) {
			const resources = requireUrls(resource, 'resource');
			const authorization = await seam.call(requestDeviceAuthorization(normalizeScope(scope) ?? provider.scope, resources), signal);
			const grant = deviceCodeGrant(authorization.deviceCode);
			return {
				userCode: authorization.userCode,
				verificationUri: authorization.verificationUri,
				verificationUriComplete: authorization.verificationUriComplete,
				expiresAt: authorization.expiresAt,
				async complete({ signal: stop } = {}) {
					let interval = authorization.interval * 1000;
					// Bounded by the code's own lifetime: the provider answers expired_token after it, and so do we.
					for (;;) {
						if (seam.now() >= authorization.expiresAt) {
							throw new AuthorizationResponseError(FINAL_ERRORS.expired_token!, { error: 'expired_token' });
						}
						try {
							return await seam.login(grant, stop, resources[0]);
						} catch (error) {
							if (!isOAuthError(error)) throw error;
							const final = FINAL_ERRORS[error.error];
							if (final) throw new AuthorizationResponseError(final, { error: error.error, cause: error });
							if (error.error === 'slow_down') interval += 5_000;
							else if (error.error !== 'authorization_pending') throw error;
						}
						await delay(Math.max(0, Math.min(interval, authorization.expiresAt - seam.now())), stop);
					}
				},
			};
		},
	};
}
