import { generateKeyPairSync } from 'node:crypto';
import { type AdapterFactory, type Configuration, errors, type JWK } from 'oidc-provider';

/** The person every login signs in as. */
export const USER = 'alice';
/** The confidential clients' secret. */
export const SECRET = 'oidc-provider-test-secret';
/** The public SPA client's one registered redirect URI (loopback; nothing listens there: the test reads the URL). */
export const SPA_REDIRECT_URI = 'http://127.0.0.1:9/callback';
/** Where the SPA client may be sent back after a logout at the provider (OpenID RP-Initiated Logout). */
export const SPA_POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:9/signed-out';

/** The APIs' resource indicators (RFC 8707). */
export interface Resources {
	readonly orders: string;
	readonly billing: string;
}

/** What {@link providerConfiguration} needs from the running helper. */
export interface ConfigurationInputs {
	readonly resources: Resources;
	readonly adapter: AdapterFactory;
	/** Seconds. */
	readonly accessTokenTTL: number;
	/**
	 * More redirect URIs for the SPA client, beside {@link SPA_REDIRECT_URI}: a browser page's own (its origin then
	 * passes oidc-provider's default `clientBasedCORS`, which lets a public client's redirect URI origins call the
	 * token endpoint cross-origin).
	 */
	readonly spaRedirectUris?: readonly string[] | undefined;
}

function signingKey(): JWK {
	const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };
}

/**
 * oidc-provider configured as the servers of #24: resource indicators (RFC 8707) with JWT access tokens (RFC 9068)
 * whose `aud` is the resource, client credentials (secret in the Basic header or in the body), revocation, PKCE
 * required of public clients, refresh tokens that rotate on every use (a consumed one coming back revokes the grant),
 * and no development-only login pages: the helper answers the interactions itself.
 */
export function providerConfiguration({ resources, adapter, accessTokenTTL, spaRedirectUris = [] }: ConfigurationInputs): Configuration {
	const scopes: Record<string, string> = { [resources.orders]: 'orders:read orders:write', [resources.billing]: 'billing:read' };
	const machine = { client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
	return {
		adapter,
		jwks: { keys: [signingKey()] },
		cookies: { keys: ['oidc-provider-test-cookies'] },
		clients: [
			{ client_id: 'service-basic', token_endpoint_auth_method: 'client_secret_basic', ...machine },
			{ client_id: 'service-post', token_endpoint_auth_method: 'client_secret_post', ...machine },
			{
				client_id: 'spa',
				token_endpoint_auth_method: 'none',
				application_type: 'web',
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				redirect_uris: [SPA_REDIRECT_URI, ...spaRedirectUris],
				post_logout_redirect_uris: [SPA_POST_LOGOUT_REDIRECT_URI],
			},
		],
		findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
		interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
		features: {
			devInteractions: { enabled: false },
			clientCredentials: { enabled: true },
			revocation: { enabled: true },
			resourceIndicators: {
				enabled: true,
				// A request naming no resource targets the orders API (so today's clients get an audience-checked token); a
				// token request on a grant of several resources must name one (`oneOf` left unresolved: invalid_target).
				defaultResource: (_ctx, _client, oneOf) => oneOf ?? resources.orders,
				// A grant's only resource serves token requests that name none, `openid` or not.
				useGrantedResource: () => true,
				getResourceServerInfo(_ctx, resource) {
					const scope = scopes[resource];
					if (!scope) throw new errors.InvalidTarget(`unknown resource ${resource}`);
					return { scope, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
				},
			},
		},
		pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
		rotateRefreshToken: true,
		issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
		expiresWithSession: () => false,
		// Every lifetime set (oidc-provider prints a notice for each default it uses), in seconds.
		ttl: {
			AccessToken: accessTokenTTL,
			ClientCredentials: accessTokenTTL,
			AuthorizationCode: 60,
			IdToken: 3600,
			RefreshToken: 24 * 3600,
			Grant: 24 * 3600,
			Session: 24 * 3600,
			Interaction: 600,
		},
	};
}
