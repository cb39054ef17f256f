import type { AccessTarget, Grant } from '../emulator/issued-tokens.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { randomBase64Url } from '../emulator/random.js';
import { json, NO_STORE } from '../emulator/responses.js';
import { scopeForResource } from './resource-indicators.js';
import { splitScope, type AuthorizationServerConfig, type ProtectedResource } from './server-config.js';

/** What the access token of one token response is for, when it is narrower than its grant. */
export interface IssuedFor {
	/** The resource the request named (RFC 8707): the token's audience. None: the server's default audience. */
	readonly resource?: ProtectedResource | undefined;
	/** The scope a refresh asked for (RFC 6749 6: at most the grant's); none: the grant's scope. */
	readonly scope?: string | undefined;
	/**
	 * A token exchange's (RFC 8693 2.2.1): the answer says it as `issued_token_type` and carries no refresh or ID token
	 * (the client exchanges again).
	 */
	readonly issuedTokenType?: string | undefined;
}

/** The audience and scope of the access token issued for `grant`: the scope narrowed to what the resource knows. */
export function accessTarget(grant: Grant, issuedFor: IssuedFor = {}): AccessTarget {
	return { audience: issuedFor.resource?.identifier, scope: scopeForResource(issuedFor.scope ?? grant.scope, issuedFor.resource) };
}

/**
 * Issues and records the tokens of `grant` and answers with them: a refresh token when the server gives them
 * and a user is behind the grant (RFC 6749 4.4.3: client credentials get none, the client can simply ask
 * again), and `scope` whenever one was granted. The access token is for `issuedFor`; the refresh token keeps the
 * whole grant (every resource, the full scope), so one refresh token serves every resource of the login. On an
 * OpenID Provider, a user's grant whose scope holds `openid` also gets an ID token, with `nonce` when given.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
 */
export async function issueTokens(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	grant: Grant,
	issuedFor?: IssuedFor,
	nonce?: string,
): Promise<Response> {
	const { audience, scope } = accessTarget(grant, issuedFor);
	const accessToken = randomBase64Url(32);
	state.tokens.addAccess(accessToken, { ...grant, scope }, server.accessTokenLifetime, audience);
	const issuedTokenType = issuedFor?.issuedTokenType;
	const exchange = issuedTokenType !== undefined;
	const refreshToken = server.refreshTokens && grant.subject !== undefined && !exchange ? randomBase64Url(32) : undefined;
	if (refreshToken !== undefined) state.tokens.addRefresh(refreshToken, grant, accessToken);
	// The grant's scope, not the access token's: a refresh that narrows the scope is still a refresh of an OpenID login.
	const idToken =
		server.idTokens !== undefined && grant.subject !== undefined && !exchange && splitScope(grant.scope).includes('openid')
			? await server.idTokens.issue({ clientId: grant.clientId, subject: grant.subject, accessToken, authTime: grant.authTime, nonce })
			: undefined;
	return json(
		{
			access_token: accessToken,
			...(exchange ? { issued_token_type: issuedTokenType } : {}),
			// Bound to a DPoP key when the request carried a proof (RFC 9449 5).
			token_type: grant.jkt === undefined ? 'Bearer' : 'DPoP',
			expires_in: server.accessTokenLifetime,
			...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
			...(scope === '' ? {} : { scope }),
			...(idToken === undefined ? {} : { id_token: idToken }),
		},
		200,
		NO_STORE,
	);
}
