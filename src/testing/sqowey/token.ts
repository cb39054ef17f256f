import type { Grant } from '../emulator/issued-tokens.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { randomBase64Url } from '../emulator/random.js';
import { json, NO_STORE } from '../emulator/responses.js';
import type { AuthorizationCodes } from './authorization-codes.js';
import { SQOWEY_SCOPES } from './authorize.js';
import { authenticateClient, oauthError, readOAuthForm } from './oauth-request.js';
import type { NormalizedSqoweyClient, NormalizedSqoweyEmulatorOptions } from './options.js';
import { s256Challenge } from './pkce-check.js';

/** The provider name Sqowey tokens are recorded under. */
export const SQOWEY = 'sqowey';

/**
 * Sqowey's `POST /oauth2/token`: form bodies only; the authorization code grant (single-use codes,
 * PKCE S256, the exact redirect URI) and the refresh token grant with rotation. A replayed code or
 * refresh token is taken as theft: every token of that login is revoked.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export function createSqoweyTokenEndpoint(state: EmulatorState, options: NormalizedSqoweyEmulatorOptions, codes: AuthorizationCodes) {
	const { clients, accessTokenLifetime } = options;

	function issue(grant: Grant): Response {
		const accessToken = randomBase64Url(32);
		const refreshToken = randomBase64Url(32);
		state.tokens.addAccess(accessToken, grant, accessTokenLifetime);
		state.tokens.addRefresh(refreshToken, grant, accessToken);
		return json(
			{ access_token: accessToken, token_type: 'Bearer', expires_in: accessTokenLifetime, refresh_token: refreshToken, scope: grant.scope },
			200,
			NO_STORE,
		);
	}

	async function authorizationCode(form: URLSearchParams, client: NormalizedSqoweyClient): Promise<Response> {
		const code = form.get('code');
		if (!code) return oauthError('invalid_request', 'The code parameter is missing.');
		const verifier = form.get('code_verifier');
		// Hashed before the code is redeemed, so redeeming, checking and issuing run without a pause
		// and a concurrent replay cannot slip between them.
		const challenge = verifier === null ? undefined : await s256Challenge(verifier);

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
		return issue({
			provider: SQOWEY,
			clientId: client.clientId,
			subject: grant.subject,
			roles: [],
			scope: grant.scope,
			session: grant.session,
		});
	}

	function refresh(form: URLSearchParams, client: NormalizedSqoweyClient): Response {
		const refreshToken = form.get('refresh_token');
		if (!refreshToken) return oauthError('invalid_request', 'The refresh_token parameter is missing.');
		// Checked before the token is spent, so a bad request does not cost the client its session.
		// The grant's own scope is what is issued: a refresh never widens it (RFC 6749 6).
		const scope = form.get('scope');
		if (scope?.split(' ').some((name) => name !== '' && !SQOWEY_SCOPES.includes(name))) {
			return oauthError('invalid_scope', `Unknown scope in \`${scope}\`.`);
		}
		const outcome = state.tokens.useRefresh(refreshToken, SQOWEY, client.clientId);
		if (outcome.ok) return issue(outcome.grant);
		if (outcome.reason !== 'used') return invalidGrant('The refresh token is invalid or revoked: log in again.');
		state.counters.refreshTokenReuse();
		if (outcome.grant?.session !== undefined) state.tokens.revokeSession(outcome.grant.session);
		return invalidGrant('The refresh token was already used (rotation): the session is revoked. Log in again.');
	}

	return async function token(request: Request): Promise<Response> {
		const form = await readOAuthForm(request);
		if (form instanceof Response) return form;
		state.counters.grantType(form.get('grant_type'));
		const client = authenticateClient(request, form, clients);
		if (client instanceof Response) return client;
		switch (form.get('grant_type')) {
			case 'authorization_code':
				return authorizationCode(form, client);
			case 'refresh_token':
				return refresh(form, client);
			case null:
				return oauthError('invalid_request', 'The grant_type parameter is missing.');
			default:
				return oauthError('unsupported_grant_type', 'Use authorization_code or refresh_token.');
		}
	};
}

function invalidGrant(description: string): Response {
	return oauthError('invalid_grant', description);
}
