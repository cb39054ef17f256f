import { requireBaseUrl, requireString, requireUrl } from '../options.js';
import { createProvider, type Provider } from '../provider.js';

/** Options of {@link sqowey}. */
export interface SqoweyOptions {
	/** Default `https://api.sqowey.de`. */
	readonly url?: string | undefined;
	/** The application's id from dev.sqowey.de. */
	readonly clientId: string;
	/** Only for confidential clients (a server); a browser app has none and relies on PKCE. */
	readonly clientSecret?: string | undefined;
	/** Must match one of the redirect URLs configured for the application. */
	readonly redirectUri: string;
}

/**
 * Sqowey: authorization code (with PKCE), rotating refresh tokens, revocation.
 * `GET {url}/oauth2/auth`, `POST {url}/oauth2/token` (form), `POST {url}/oauth2/token/revoke`.
 * Scopes are space-separated; the authorization URL encodes them properly (the documentation's own
 * example, `scope=identify%bot`, is malformed).
 * @see https://docs.sqowey.de/docs/developers/oauth2
 * @example
 * const flow = createAuthorizationCodeFlow(sqowey({ clientId, redirectUri: location.origin + '/callback' }));
 * location.assign(await flow.createAuthorizationUrl({ scope: ['identity'] }));
 */
export function sqowey(given: SqoweyOptions): Provider {
	const options: Partial<SqoweyOptions> = given ?? {};
	const url = requireBaseUrl(options.url ?? 'https://api.sqowey.de', 'url');
	return createProvider({
		name: 'sqowey',
		clientId: requireString(options.clientId, 'clientId'),
		clientSecret: options.clientSecret,
		clientAuth: options.clientSecret === undefined ? 'none' : 'body',
		issuer: url,
		// Fixed endpoints: nothing to discover.
		discovery: undefined,
		endpoints: {
			token: `${url}/oauth2/token`,
			authorization: `${url}/oauth2/auth`,
			revocation: `${url}/oauth2/token/revoke`,
		},
		bodyEncoding: 'form',
		scope: undefined,
		primaryGrant: { type: 'authorization_code' },
		rejectionStatuses: [401],
		redirectUri: requireUrl(options.redirectUri, 'redirectUri'),
	});
}
