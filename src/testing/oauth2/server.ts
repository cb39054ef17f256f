import {
	isScopeToken,
	splitScope,
	type AuthorizationServerConfig,
	type IdTokenIssuer,
	type ProtectedResource,
} from '../authorization-server/server-config.js';
import { ASSERTION_ALGS } from '../client-assertions/assertion-algorithms.js';
import type { ClientAssertionPolicy } from '../client-assertions/assertion-policy.js';
import { TOKEN_EXCHANGE_GRANT } from '../authorization-server/token-exchange.js';
import type { NormalizedOAuth2EmulatorOptions } from './options.js';

/** The provider name the OAuth2 server's tokens are recorded under. */
export const OAUTH2 = 'oauth2';

/** The device code grant's `grant_type`. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Where the OAuth2 server answers, under the emulator's root; `/oauth2/v1/` keeps clear of Sqowey's `/oauth2/`. */
export const OAUTH2_PATHS = {
	discovery: '/.well-known/openid-configuration',
	/** RFC 8414's name for the same document. */
	metadata: '/.well-known/oauth-authorization-server',
	authorize: '/oauth2/v1/authorize',
	token: '/oauth2/v1/token',
	revoke: '/oauth2/v1/revoke',
	device: '/oauth2/v1/device',
	verify: '/oauth2/v1/device/verify',
	userinfo: '/oauth2/v1/userinfo',
	/** The JWK Set of the ID token signing keys (`jwks_uri`). */
	jwks: '/oauth2/v1/jwks',
	/** OpenID RP-Initiated Logout (`end_session_endpoint`). */
	endSession: '/oauth2/v1/logout',
	/** RFC 9126's pushed authorization request endpoint. */
	pushedAuthorization: '/oauth2/v1/par',
} as const;

// RFC 6749 4.1.2 recommends at most 10 minutes; the emulator stays well inside that.
const CODE_LIFETIME = 300;

/**
 * The generic OAuth2 server: every grant a CLI or a service needs, any well-formed scope (none is fine),
 * a refresh that may narrow the scope but never widen it (RFC 6749 6), and tokens for its `resources` (RFC 8707;
 * none: it ignores `resource`, as a server without resource indicators does), and ID tokens from `idTokens` (OpenID
 * Connect) for logins whose scope holds `openid`.
 */
export function oauth2Server(
	options: NormalizedOAuth2EmulatorOptions,
	resources: readonly ProtectedResource[],
	idTokens: IdTokenIssuer,
	clientAssertions: ClientAssertionPolicy,
): AuthorizationServerConfig {
	return {
		provider: OAUTH2,
		displayName: 'OAuth2 emulator',
		clients: options.clients,
		subject: options.users[0]!.id,
		accessTokenLifetime: options.accessTokenLifetime,
		refreshTokens: options.refreshTokens,
		grantTypes: [
			'client_credentials',
			'authorization_code',
			...(options.refreshTokens ? ['refresh_token'] : []),
			DEVICE_CODE_GRANT,
			TOKEN_EXCHANGE_GRANT,
		],
		scopes: {
			refuse(requested) {
				const malformed = requested.find((scope) => !isScopeToken(scope));
				return malformed === undefined ? undefined : `Malformed scope \`${malformed}\`: scopes are separated by spaces (%20 or +).`;
			},
			refuseOnRefresh(requested, granted) {
				// An unknown refresh token is refused as invalid_grant when it is spent, not here.
				if (granted === undefined) return undefined;
				const extra = splitScope(requested).filter((scope) => !granted.split(' ').includes(scope));
				return extra.length === 0 ? undefined : `A refresh cannot widen the scope granted at login: ${extra.join(' ')}.`;
			},
		},
		codeLifetime: () => CODE_LIFETIME,
		resources: resources.length === 0 ? undefined : resources,
		idTokens,
		clientAssertions,
		requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests,
	};
}

/**
 * The server's metadata, where `oauth2({ issuer: emulator.url })` discovers its endpoints, with the identifiers of its
 * protected resources (RFC 9728 4) when it has some, and what an OpenID Provider publishes: its JWKS, the algorithm
 * it signs ID tokens with, its end-session endpoint, the client authentication methods and assertion algorithms it
 * takes (private_key_jwt, client_secret_jwt: RFC 7523, OpenID Connect Core 9), its pushed authorization request
 * endpoint, and whether it takes only pushed requests (RFC 9126 5).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#OPMetadata
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-5
 */
export function discoveryDocument(issuer: string, server: AuthorizationServerConfig, idTokenAlg: string): Record<string, unknown> {
	const authMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'none'];
	return {
		issuer,
		authorization_endpoint: `${issuer}${OAUTH2_PATHS.authorize}`,
		token_endpoint: `${issuer}${OAUTH2_PATHS.token}`,
		revocation_endpoint: `${issuer}${OAUTH2_PATHS.revoke}`,
		device_authorization_endpoint: `${issuer}${OAUTH2_PATHS.device}`,
		userinfo_endpoint: `${issuer}${OAUTH2_PATHS.userinfo}`,
		jwks_uri: `${issuer}${OAUTH2_PATHS.jwks}`,
		end_session_endpoint: `${issuer}${OAUTH2_PATHS.endSession}`,
		id_token_signing_alg_values_supported: [idTokenAlg],
		subject_types_supported: ['public'],
		grant_types_supported: server.grantTypes,
		response_types_supported: ['code'],
		code_challenge_methods_supported: ['S256'],
		token_endpoint_auth_methods_supported: authMethods,
		token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
		revocation_endpoint_auth_methods_supported: authMethods,
		revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
		authorization_response_iss_parameter_supported: true,
		pushed_authorization_request_endpoint: `${issuer}${OAUTH2_PATHS.pushedAuthorization}`,
		require_pushed_authorization_requests: server.requirePushedAuthorizationRequests === true,
		...(server.resources === undefined ? {} : { protected_resources: server.resources.map((resource) => resource.identifier) }),
	};
}
