import type { EmulatorState } from '../emulator/provider-module.js';
import { issueTokens } from './issue.js';
import { oauthError } from './oauth-request.js';
import { tokenTarget } from './resource-indicators.js';
import { splitScope, type AuthorizationServerConfig, type ProtectedResource } from './server-config.js';
import type { GrantHandler } from './token.js';

/** The token exchange grant's `grant_type`. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The one token type the emulator exchanges and issues: its own access tokens. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The token endpoint's token exchange, for confidential clients: the subject token must be an access token this
 * server issued and still valid (so must the actor token, when one is given); the new access token acts for the same
 * user and login (revoking the login revokes it), is issued to the exchanging client, for the resource named by
 * `resource` or `audience` (one of the server's resources, by identifier), with the scope asked for, at most the
 * subject token's. No refresh token: the client exchanges again. The answer says `issued_token_type`.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2
 */
export function createTokenExchangeGrant(state: EmulatorState, server: AuthorizationServerConfig): GrantHandler {
	const { provider } = server;
	return (form, client, jkt) => {
		// A public client could trade any token it got hold of: RFC 8693 leaves the policy to the server, this one says no.
		if (client.clientSecret === undefined) return oauthError('unauthorized_client', 'A public client cannot exchange tokens.');
		const subjectToken = form.get('subject_token');
		if (!subjectToken) return oauthError('invalid_request', 'The subject_token parameter is missing.');
		const typeRefused = refuseTokenType(form, 'subject_token_type') ?? refuseRequestedType(form);
		if (typeRefused !== undefined) return typeRefused;
		const actorToken = form.get('actor_token');
		if (actorToken !== null) {
			const actorTypeRefused = refuseTokenType(form, 'actor_token_type');
			if (actorTypeRefused !== undefined) return actorTypeRefused;
			if (!state.tokens.validAccess(actorToken, provider)) return invalidGrant('The actor_token is invalid, expired or revoked.');
		}
		const resource = exchangeTarget(form, server.resources);
		if (resource instanceof Response) return resource;
		// Judged last, so that a malformed request does not tell whether a token is valid. Never echoed.
		const subject = state.tokens.validAccess(subjectToken, provider);
		if (!subject) return invalidGrant('The subject_token is invalid, expired or revoked.');
		const requested = splitScope(form.get('scope'));
		const held = splitScope(subject.scope);
		const wider = requested.filter((scope) => !held.includes(scope));
		if (wider.length > 0) return oauthError('invalid_scope', `An exchange cannot widen the subject token's scope: ${wider.join(' ')}.`);
		const scope = requested.length > 0 ? requested.join(' ') : subject.scope;
		return issueTokens(
			state,
			server,
			{
				provider,
				clientId: client.clientId,
				subject: subject.subject,
				roles: subject.roles,
				scope,
				session: subject.session,
				jkt,
			},
			{ resource, issuedTokenType: ACCESS_TOKEN_TYPE },
		);
	};
}

function refuseTokenType(form: URLSearchParams, parameter: 'subject_token_type' | 'actor_token_type'): Response | undefined {
	const type = form.get(parameter);
	if (type === null) return oauthError('invalid_request', `The ${parameter} parameter is missing.`);
	if (type === ACCESS_TOKEN_TYPE) return undefined;
	return oauthError('invalid_request', `This server exchanges access tokens only: ${parameter} must be ${ACCESS_TOKEN_TYPE}.`);
}

function refuseRequestedType(form: URLSearchParams): Response | undefined {
	const type = form.get('requested_token_type');
	if (type === null || type === ACCESS_TOKEN_TYPE) return undefined;
	return oauthError('invalid_request', `This server issues access tokens only: requested_token_type must be ${ACCESS_TOKEN_TYPE}.`);
}

/**
 * The resource the exchanged token is for: `resource` (RFC 8707), or `audience` naming one of the server's resources by
 * its identifier; both must agree. None: the server's default audience.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
function exchangeTarget(
	form: URLSearchParams,
	resources: readonly ProtectedResource[] | undefined,
): ProtectedResource | undefined | Response {
	const byResource = tokenTarget(form, resources);
	if (byResource instanceof Response) return byResource;
	const audience = form.get('audience');
	if (audience === null) return byResource;
	const byAudience = resources?.find((resource) => resource.identifier === audience);
	if (byAudience === undefined) {
		const known = resources?.map((resource) => resource.identifier).join(', ');
		return oauthError('invalid_target', `Unknown audience: this server issues tokens for ${known || 'no resource'}, named exactly.`);
	}
	if (byResource !== undefined && byResource !== byAudience)
		return oauthError('invalid_target', 'resource and audience name different resources.');
	return byAudience;
}

function invalidGrant(description: string): Response {
	return oauthError('invalid_grant', description);
}
