import type { AdapterFactory, ClientMetadata, Configuration, JWK } from 'oidc-provider';

/** The client-credentials client: `private_key_jwt` (ES256), DPoP-bound access tokens. */
export const FAPI_SERVICE_ID = 'fapi-service';
/** A web app's client (authorization code): `private_key_jwt`, DPoP-bound tokens, PKCE (FAPI 2.0 requires it). */
export const FAPI_WEB_ID = 'fapi-web';
/** The same web app, registered with `require_pushed_authorization_requests`: a login without PAR is refused. */
export const FAPI_WEB_PAR_ID = 'fapi-web-par';
/** The web clients' one redirect URI (loopback; nothing listens there: the test reads the URL). */
export const FAPI_REDIRECT_URI = 'http://127.0.0.1:9/fapi/callback';
/** The API's scope. */
export const FAPI_SCOPE = 'accounts:read';

/** What {@link fapiConfiguration} needs from the running helper. */
export interface FapiConfigurationInputs {
	readonly adapter: AdapterFactory;
	/** The provider's own signing key (private JWK, ES256). */
	readonly signingKey: JWK;
	/** The clients' registered public keys: what their assertions are checked with. */
	readonly clientJwks: { readonly keys: readonly JWK[] };
	/** The API's resource indicator (RFC 8707): every token's audience. */
	readonly api: string;
	/** 32 bytes: what the provider's DPoP nonces are made with. */
	readonly nonceSecret: Buffer;
}

/**
 * oidc-provider in its FAPI 2.0 Security Profile: `private_key_jwt` the only client authentication (its assertion's
 * `aud` must be the issuer identifier, each `jti` once), PS256/ES256/EdDSA only, DPoP (RFC 9449) with a server nonce
 * required on every token request, DPoP-bound tokens, PKCE, JWT access tokens (RFC 9068, ES256) for one API.
 */
export function fapiConfiguration({ adapter, signingKey, clientJwks, api, nonceSecret }: FapiConfigurationInputs): Configuration {
	const confidential: Partial<ClientMetadata> = {
		token_endpoint_auth_method: 'private_key_jwt',
		token_endpoint_auth_signing_alg: 'ES256',
		// FAPI 2.0 allows PS256, ES256 or EdDSA only, and the provider's one key is ES256.
		id_token_signed_response_alg: 'ES256',
		dpop_bound_access_tokens: true,
		jwks: { keys: clientJwks.keys.map((key) => ({ ...key })) },
	};
	const web = {
		...confidential,
		grant_types: ['authorization_code', 'refresh_token'],
		response_types: ['code' as const],
		redirect_uris: [FAPI_REDIRECT_URI],
	};
	return {
		adapter,
		jwks: { keys: [signingKey] },
		cookies: { keys: ['oidc-provider-fapi-test-cookies'] },
		clientAuthMethods: ['private_key_jwt'],
		enabledJWA: { clientAuthSigningAlgValues: ['ES256', 'PS256', 'EdDSA'], dPoPSigningAlgValues: ['ES256'] },
		clients: [
			{ client_id: FAPI_SERVICE_ID, ...confidential, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
			{ client_id: FAPI_WEB_ID, ...web },
			{ client_id: FAPI_WEB_PAR_ID, ...web, require_pushed_authorization_requests: true },
		],
		findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
		interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
		features: {
			fapi: { enabled: true, profile: '2.0' },
			dPoP: { enabled: true, nonceSecret, requireNonce: () => true },
			pushedAuthorizationRequests: { enabled: true },
			devInteractions: { enabled: false },
			clientCredentials: { enabled: true },
			// A client revokes only its own tokens.
			revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
			resourceIndicators: {
				enabled: true,
				defaultResource: () => api,
				useGrantedResource: () => true,
				getResourceServerInfo: () => ({ scope: FAPI_SCOPE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
			},
		},
		issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
		expiresWithSession: () => false,
		// Every lifetime set (oidc-provider prints a notice for each default it uses), in seconds.
		ttl: {
			AccessToken: 3600,
			ClientCredentials: 3600,
			AuthorizationCode: 60,
			IdToken: 3600,
			RefreshToken: 24 * 3600,
			Grant: 24 * 3600,
			Session: 24 * 3600,
			Interaction: 600,
			PushedAuthorizationRequest: 60,
		},
	};
}
