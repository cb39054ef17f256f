import type { PasswordCredentials, Provider } from './provider.js';

/**
 * The parameters of one token request, e.g. `{ grant_type: 'client_credentials', scope }`; undefined ones are
 * not sent. Pure data: the endpoint layer picks the endpoint from `grant_type` and authenticates the client.
 */
export type GrantParameters = Readonly<Record<string, string | undefined>>;

/**
 * The client credentials grant: the client acts for itself, no person involved.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export function clientCredentialsGrant(scope: string | undefined): GrantParameters {
	return { grant_type: 'client_credentials', scope };
}

/**
 * The resource owner password credentials grant. The credentials are used for this one request only.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
export function passwordGrant(credentials: PasswordCredentials, scope: string | undefined): GrantParameters {
	return { grant_type: 'password', username: credentials.username, password: credentials.password, scope };
}

/**
 * The refresh token grant. The scope is sent when the provider wants it (Dotkernel does).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function refreshTokenGrant(refreshToken: string, scope: string | undefined): GrantParameters {
	return { grant_type: 'refresh_token', refresh_token: refreshToken, scope };
}

/**
 * The authorization code grant's token request, with the PKCE verifier.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export function authorizationCodeGrant(code: string, redirectUri: string, codeVerifier: string): GrantParameters {
	return { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier };
}

/**
 * The device access token request: one poll of a device login.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
export function deviceCodeGrant(deviceCode: string): GrantParameters {
	return { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode };
}

/**
 * `parameters` for one target: its API named as RFC 8707's `resource` (or the provider's `resourceParameter`, Auth0's
 * `audience`) when it has one.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export function forTarget(
	parameters: GrantParameters,
	provider: Pick<Provider, 'resourceParameter'>,
	target: { readonly resource: string | undefined },
): GrantParameters {
	return target.resource === undefined ? parameters : { ...parameters, [provider.resourceParameter ?? 'resource']: target.resource };
}

/** The token exchange grant's `grant_type`. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The parameters of a token exchange request; the target (`audience`, `resource`, `scope`) is the caller's. */
export interface TokenExchangeParameters {
	readonly subjectToken: string;
	readonly subjectTokenType: string;
	readonly actorToken?: string | undefined;
	readonly actorTokenType?: string | undefined;
	readonly audience?: string | undefined;
	readonly scope?: string | undefined;
	readonly requestedTokenType?: string | undefined;
}

/**
 * The token exchange grant: a token for another audience, on behalf of the subject token's owner. `resource` is added
 * with {@link forTarget}, which knows the provider's name for it.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
export function tokenExchangeGrant(parameters: TokenExchangeParameters): GrantParameters {
	return {
		grant_type: TOKEN_EXCHANGE_GRANT,
		subject_token: parameters.subjectToken,
		subject_token_type: parameters.subjectTokenType,
		actor_token: parameters.actorToken,
		actor_token_type: parameters.actorToken === undefined ? undefined : parameters.actorTokenType,
		audience: parameters.audience,
		scope: parameters.scope,
		requested_token_type: parameters.requestedTokenType,
	};
}
