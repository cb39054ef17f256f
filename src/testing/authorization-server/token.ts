import type { EmulatorState } from '../emulator/provider-module.js';
import type { AuthorizationCodes } from './authorization-codes.js';
import { accessTarget, issueTokens } from './issue.js';
import { authenticateClient, isConfidential, oauthError, readOAuthForm } from './oauth-request.js';
import { s256Challenge } from './pkce-check.js';
import type { RegisteredClient } from './registrations.js';
import { refuseUngranted, repeatableParameters, RESOURCE_PARAMETER, tokenTarget } from './resource-indicators.js';
import { splitScope, type AuthorizationServerConfig } from './server-config.js';

/**
 * One grant type's handling, once the form is read, the client authenticated and the DPoP proof (if any) accepted:
 * `jkt` is the thumbprint of the proof's key, which the tokens are bound to.
 */
export type GrantHandler = (form: URLSearchParams, client: RegisteredClient, jkt: string | undefined) => Response | Promise<Response>;

/**
 * The token endpoint (`POST`, form bodies only) for the grant types the server lists: client credentials
 * (confidential clients only), the authorization code grant (single-use codes, PKCE S256, the exact redirect
 * URI), the refresh token grant with rotation, and any `extraGrants` (the device code grant). A replayed code
 * or refresh token is taken as theft: every token of that login is revoked. On a server with resources, each grant
 * takes one `resource` (RFC 8707): the access token is for it; a code or refresh token serves the resources named
 * at authorization (all of them when none was), and one refresh token family serves them all.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export function createTokenEndpoint(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	codes: AuthorizationCodes,
	extraGrants: Readonly<Record<string, GrantHandler>> = {},
) {
	const { provider } = server;

	function clientCredentials(form: URLSearchParams, client: RegisteredClient, jkt: string | undefined): Response | Promise<Response> {
		// RFC 6749 4.4: a client acting for itself must prove who it is, which a public client cannot.
		if (!isConfidential(client, server)) return oauthError('unauthorized_client', 'A public client cannot use client_credentials.');
		const requested = splitScope(form.get('scope'));
		const refused = server.scopes.refuse(requested);
		if (refused !== undefined) return oauthError('invalid_scope', refused);
		const resource = tokenTarget(form, server.resources);
		if (resource instanceof Response) return resource;
		return issueTokens(state, server, { provider, clientId: client.clientId, roles: [], scope: requested.join(' '), jkt }, { resource });
	}

	async function authorizationCode(form: URLSearchParams, client: RegisteredClient, jkt: string | undefined): Promise<Response> {
		const code = form.get('code');
		if (!code) return oauthError('invalid_request', 'The code parameter is missing.');
		const verifier = form.get('code_verifier');
		// Hashed before the code is redeemed, so redeeming, checking and issuing run without a pause
		// and a concurrent replay cannot slip between them.
		const challenge = verifier === null ? undefined : await s256Challenge(verifier);
		// An unknown resource is refused before the code is spent; one the code does not cover, after (like a bad verifier).
		const resource = tokenTarget(form, server.resources);
		if (resource instanceof Response) return resource;

		const outcome = codes.redeem(code);
		if (!outcome.ok) {
			if (outcome.reason !== 'used' || !outcome.grant) return invalidGrant('The authorization code is invalid or expired: log in again.');
			state.tokens.revokeSession(outcome.grant.session);
			return invalidGrant('The authorization code was already used: every token issued from it is revoked. Log in again.');
		}
		const grant = outcome.grant;
		if (grant.clientId !== client.clientId) return invalidGrant('The authorization code was issued to another client.');
		if (form.get('redirect_uri') !== grant.redirectUri) {
			return invalidGrant('redirect_uri must be identical to the one sent to the authorization endpoint.');
		}
		if (grant.codeChallenge === undefined) {
			// Accepting a verifier here would let a downgrade (challenge stripped) go unnoticed.
			if (verifier !== null) return invalidGrant('A code_verifier was sent, but the authorization request had no code_challenge.');
		} else if (verifier === null) {
			return invalidGrant('The code_verifier is missing.');
		} else if (challenge !== grant.codeChallenge) {
			return invalidGrant('The code_verifier does not match the code_challenge.');
		}
		if (grant.dpopJkt !== undefined && grant.dpopJkt !== jkt) {
			state.counters.dpopRefused('binding');
			return invalidGrant('The authorization code is bound to another DPoP key (dpop_jkt): exchange it with a proof by that key.');
		}
		const ungranted = refuseUngranted(resource, grant.resources);
		if (ungranted !== undefined) return ungranted;
		return issueTokens(
			state,
			server,
			{
				provider,
				clientId: client.clientId,
				subject: grant.subject,
				roles: [],
				scope: grant.scope,
				session: grant.session,
				jkt,
				resources: grant.resources,
				authTime: grant.authTime,
			},
			{ resource },
			grant.nonce,
		);
	}

	function refresh(form: URLSearchParams, client: RegisteredClient, jkt: string | undefined): Response | Promise<Response> {
		const refreshToken = form.get('refresh_token');
		if (!refreshToken) return oauthError('invalid_request', 'The refresh_token parameter is missing.');
		// Scope, DPoP key and resource are checked before the token is spent, so a bad request does not cost the
		// client its session. The access token gets the scope asked for, at most the grant's (RFC 6749 6); the new
		// refresh token keeps the grant's.
		const active = state.tokens.activeRefresh(refreshToken, provider);
		const scope = form.get('scope');
		const refused = scope === null ? undefined : server.scopes.refuseOnRefresh(scope, active?.scope);
		if (refused !== undefined) return oauthError('invalid_scope', refused);
		// RFC 9449 5: a bound refresh token needs a proof by its key.
		if (active?.jkt !== undefined && active.jkt !== jkt) {
			state.counters.dpopRefused('binding');
			return oauthError('invalid_dpop_proof', 'The refresh token is bound to another DPoP key.');
		}
		const resource = tokenTarget(form, server.resources);
		if (resource instanceof Response) return resource;
		const ungranted = active === undefined ? undefined : refuseUngranted(resource, active.resources);
		if (ungranted !== undefined) return ungranted;
		const issuedFor = { resource, scope: splitScope(scope).join(' ') || undefined };
		// The access token issued with the spent refresh token dies only when the new one replaces it (same target).
		const replacement = active === undefined ? undefined : accessTarget(active, issuedFor);
		const outcome = state.tokens.useRefresh(refreshToken, provider, client.clientId, replacement);
		if (outcome.ok) return issueTokens(state, server, { ...outcome.grant, jkt: outcome.grant.jkt ?? jkt }, issuedFor);
		if (outcome.reason !== 'used') return invalidGrant('The refresh token is invalid or revoked: log in again.');
		state.counters.refreshTokenReuse();
		if (outcome.grant?.session !== undefined) state.tokens.revokeSession(outcome.grant.session);
		return invalidGrant('The refresh token was already used (rotation): the session is revoked. Log in again.');
	}

	const handlers: Readonly<Record<string, GrantHandler>> = {
		client_credentials: clientCredentials,
		authorization_code: authorizationCode,
		refresh_token: refresh,
		...extraGrants,
	};

	async function answer(request: Request): Promise<Response> {
		const form = await readOAuthForm(request, repeatableParameters(server.resources));
		if (form instanceof Response) return form;
		state.counters.grantType(form.get('grant_type'));
		if (server.resources !== undefined) {
			for (const resource of new Set(form.getAll(RESOURCE_PARAMETER)))
				state.counters.resourceTokenRequest(resource, form.get('grant_type'));
		}
		const client = await authenticateClient(state, request, form, server);
		if (client instanceof Response) return client;
		const grantType = form.get('grant_type');
		if (grantType === null) return oauthError('invalid_request', 'The grant_type parameter is missing.');
		const handler = server.grantTypes.includes(grantType) ? handlers[grantType] : undefined;
		if (!handler) return oauthError('unsupported_grant_type', `Use ${listed(server.grantTypes)}.`);
		// RFC 9449 5 and 8: the proof is judged once the request is known to be a real token request.
		const proof = await state.dpop.judge(request, 'token');
		if (proof.refused !== undefined) return oauthError(proof.error, proof.description);
		return handler(form, client, proof.jkt);
	}

	return async function token(request: Request): Promise<Response> {
		return state.dpop.decorate(await answer(request), 'token');
	};
}

function invalidGrant(description: string): Response {
	return oauthError('invalid_grant', description);
}

/** `a`, `a or b`, `a, b or c`. */
function listed(names: readonly string[]): string {
	return names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
