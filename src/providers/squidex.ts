import { requireBaseUrl, requireString } from '../options.js';
import { createProvider, type ClientAuthentication, type Provider } from '../provider.js';

/** Options of {@link squidex}. */
export interface SquidexOptions {
	/** The Squidex host, cloud or self-hosted. Default `https://cloud.squidex.io`. */
	readonly url?: string | undefined;
	/** `app-name:client-name`, as shown in the app's client settings. */
	readonly clientId: string;
	readonly clientSecret: string;
	/** Default `squidex-api`. */
	readonly scope?: string | undefined;
	/** Default `body` (the secret goes in the form body, as Squidex documents). */
	readonly clientAuth?: Exclude<ClientAuthentication, 'none'> | undefined;
}

/**
 * Squidex: client credentials against `{url}/identity-server/connect/token`, form-encoded, scope `squidex-api`.
 * Tokens live 30 days but may die early (certificate change): a 401 gets one new token and one retry.
 * @see https://docs.squidex.io/id-02-documentation/developer-guides/api-overview/authentication
 * @example
 * const api = createClient({ prefixUrl: 'https://cloud.squidex.io/api/', auth: squidex({ clientId, clientSecret }) });
 */
export function squidex(given: SquidexOptions): Provider {
	const options: Partial<SquidexOptions> = given ?? {};
	const url = requireBaseUrl(options.url ?? 'https://cloud.squidex.io', 'url');
	return createProvider({
		name: 'squidex',
		clientId: requireString(options.clientId, 'clientId'),
		clientSecret: requireString(options.clientSecret, 'clientSecret'),
		clientAuth: options.clientAuth ?? 'body',
		issuer: url,
		// Fixed endpoints: nothing to discover.
		discovery: undefined,
		endpoints: { token: `${url}/identity-server/connect/token` },
		bodyEncoding: 'form',
		scope: options.scope ?? 'squidex-api',
		primaryGrant: { type: 'client_credentials' },
		rejectionStatuses: [401],
	});
}
