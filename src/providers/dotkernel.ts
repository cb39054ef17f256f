import type { OAuthError } from '../errors.js';
import { invalidOption, requireBaseUrl, requireString } from '../options.js';
import { createProvider, type PasswordCredentials, type Provider } from '../provider.js';

/** Options of {@link dotkernel}. */
export interface DotkernelOptions {
	/** The Dotkernel API's base URL (it is self-hosted: there is no default host). */
	readonly url: string;
	/** `frontend` for users, `admin` for admins, as configured in the API's `oauth_clients` table. */
	readonly clientId: string;
	readonly clientSecret: string;
	/** Default `api`. */
	readonly scope?: string | undefined;
	/**
	 * Called only when a password grant is needed (first login, or a dead refresh token); its result is used
	 * for that one request and never stored, cached or logged. Without it, a dead session needs `setTokens()`.
	 */
	readonly credentials?: (() => Promise<PasswordCredentials>) | undefined;
	/**
	 * The user this session belongs to: only used to tell sessions apart in a shared store (the default store
	 * key includes it). Give it when several users of one client share a store such as Redis, or give the
	 * manager a `key`. Never sent anywhere; `credentials()` still supplies the username that logs in.
	 */
	readonly username?: string | undefined;
	/** Default `/security/generate-token`. */
	readonly tokenPath?: string | undefined;
	/** Default `/security/refresh-token`. */
	readonly refreshPath?: string | undefined;
}

/**
 * Dotkernel answers a used, unknown or revoked refresh token with `401 invalid_request`
 * ("The refresh token is invalid."), not RFC 6749's `invalid_grant`.
 */
function isDotkernelRefreshRejected(error: OAuthError): boolean {
	return error.error === 'invalid_grant' || error.status === 401;
}

/**
 * Dotkernel API: password grant, then rotating refresh tokens, both as **JSON** bodies.
 * Dotkernel turns an expired access token into the `guest` identity, which gets 403 on protected routes,
 * so 403 as well as 401 on a request that carried a token gets one refresh and one retry.
 * @see https://docs.dotkernel.org/api-documentation/v5/tutorials/token-authentication/
 * @example
 * const api = createClient({ prefixUrl: 'https://api.example.net/', auth: dotkernel({
 *   url: 'https://api.example.net', clientId: 'frontend', clientSecret: 'frontend',
 *   credentials: async () => ({ username, password }) }) });
 */
export function dotkernel(given: DotkernelOptions): Provider {
	const options: Partial<DotkernelOptions> = given ?? {};
	const url = requireBaseUrl(options.url, 'url');
	const path = (value: string | undefined, fallback: string, name: string) =>
		`${url}${value === undefined ? fallback : `/${requireString(value, name).replace(/^\/+/, '')}`}`;
	if (options.credentials !== undefined && typeof options.credentials !== 'function') {
		throw invalidOption('credentials', 'an async function returning { username, password }', options.credentials);
	}
	return createProvider({
		name: 'dotkernel',
		clientId: requireString(options.clientId, 'clientId'),
		clientSecret: requireString(options.clientSecret, 'clientSecret'),
		clientAuth: 'body',
		issuer: url,
		// Fixed endpoints: nothing to discover.
		discovery: undefined,
		endpoints: {
			token: path(options.tokenPath, '/security/generate-token', 'tokenPath'),
			refresh: path(options.refreshPath, '/security/refresh-token', 'refreshPath'),
		},
		bodyEncoding: 'json',
		scope: options.scope ?? 'api',
		primaryGrant: { type: 'password', credentials: options.credentials },
		...(options.username === undefined ? {} : { username: requireString(options.username, 'username') }),
		rejectionStatuses: [401, 403],
		isRefreshRejected: isDotkernelRefreshRejected,
	});
}
