import type { Grant, RefreshRefusal } from '../emulator/issued-tokens.js';
import type { NormalizedOptions } from '../emulator/options.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { base64UrlEncode, randomBase64Url, randomHex } from '../emulator/random.js';
import { mediaType, readJsonObject } from '../emulator/request-parsing.js';
import { json, methodNotAllowed, NO_STORE } from '../emulator/responses.js';

/** The provider name Dotkernel tokens are recorded under. */
export const DOTKERNEL = 'dotkernel';

const SCOPE = 'api';
const ROLES = { user: ['user', 'guest'], admin: ['superuser', 'admin'] } as const;

// Hints of league/oauth2-server, which Dotkernel runs: only the first is in Dotkernel's docs.
const REFRESH_HINTS: Readonly<Record<RefreshRefusal, string>> = {
	unknown: 'Cannot decrypt the refresh token',
	'wrong-client': 'Token is not linked to client',
	used: 'Token has been revoked',
	revoked: 'Token has been revoked',
};

/**
 * Dotkernel's `/security/generate-token` and `/security/refresh-token`: JSON bodies only, the
 * password grant, and refresh tokens that rotate (each works once). Both paths accept both grants,
 * because both reach the same league/oauth2-server call.
 */
export function createDotkernelTokenEndpoint(state: EmulatorState, options: NormalizedOptions) {
	const { clients, users, expiresIn } = options.dotkernel;

	function issue(grant: Grant): Response {
		const accessToken = jwtLike(grant, state.now(), expiresIn);
		// league encrypts refresh tokens with defuse/php-encryption, whose output starts like this.
		const refreshToken = `def50200${randomHex(160)}`;
		state.tokens.addAccess(accessToken, grant, expiresIn);
		state.tokens.addRefresh(refreshToken, grant, accessToken);
		return json({ token_type: 'Bearer', expires_in: expiresIn, access_token: accessToken, refresh_token: refreshToken }, 200, NO_STORE);
	}

	function password(body: Record<string, unknown>, client: (typeof clients)[number]): Response {
		if (typeof body.username !== 'string' || body.username === '') return missing('username');
		if (typeof body.password !== 'string' || body.password === '') return missing('password');
		// The client decides the table: `frontend` checks users, `admin` checks admins.
		const user = users.find((candidate) => candidate.role === client.role && candidate.username === body.username);
		if (!user || user.password !== body.password) {
			return json(
				{ error: 'Invalid credentials.', error_description: 'Invalid credentials.', message: 'Invalid credentials.' },
				400,
				NO_STORE,
			);
		}
		return issue({ provider: DOTKERNEL, clientId: client.clientId, subject: user.username, roles: ROLES[user.role], scope: SCOPE });
	}

	function refresh(body: Record<string, unknown>, client: (typeof clients)[number]): Response {
		if (typeof body.refresh_token !== 'string' || body.refresh_token === '') return missing('refresh_token');
		const outcome = state.tokens.useRefresh(body.refresh_token, DOTKERNEL, client.clientId);
		if (!outcome.ok) {
			if (outcome.reason === 'used') state.counters.refreshTokenReuse();
			return oauthError(401, 'invalid_request', 'The refresh token is invalid.', REFRESH_HINTS[outcome.reason]);
		}
		return issue(outcome.grant);
	}

	return async function token(request: Request): Promise<Response> {
		if (request.method !== 'POST') return methodNotAllowed(['POST'], { error: { messages: ['Method not allowed.'] } });
		if (mediaType(request) !== 'application/json') {
			return oauthError(415, 'invalid_request', 'The request body must be JSON.', 'Send `Content-Type: application/json`');
		}
		const body = await readJsonObject(request);
		if (!body) return oauthError(400, 'invalid_request', 'The request body is not a JSON object.');
		state.counters.grantType(body.grant_type);

		// league's order: grant type, then client, then scope, then the grant's own parameters.
		const grant = body.grant_type;
		if (grant !== 'password' && grant !== 'refresh_token') {
			return oauthError(
				400,
				'unsupported_grant_type',
				'The authorization grant type is not supported by the authorization server.',
				'Check that all required parameters have been provided',
			);
		}
		if (typeof body.client_id !== 'string' || body.client_id === '') return missing('client_id');
		const client = clients.find((candidate) => candidate.clientId === body.client_id);
		if (!client || client.clientSecret !== body.client_secret) {
			return oauthError(401, 'invalid_client', 'Client authentication failed');
		}
		if (
			body.scope !== undefined &&
			(typeof body.scope !== 'string' || body.scope.split(' ').some((scope) => scope !== '' && scope !== SCOPE))
		) {
			return oauthError(
				400,
				'invalid_scope',
				'The requested scope is invalid, unknown, or malformed',
				`Check the \`${String(body.scope)}\` scope`,
			);
		}
		return grant === 'password' ? password(body, client) : refresh(body, client);
	};
}

/** league/oauth2-server's error body: RFC 6749 fields plus `message` (and `hint` when it has one). */
function oauthError(status: number, error: string, description: string, hint?: string): Response {
	return json({ error, error_description: description, ...(hint === undefined ? {} : { hint }), message: description }, status, NO_STORE);
}

function missing(parameter: string): Response {
	return oauthError(
		400,
		'invalid_request',
		'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.',
		`Check the \`${parameter}\` parameter`,
	);
}

/**
 * Shaped like Dotkernel's RS256 JWTs so clients see realistic lengths and dots, but the signature is
 * random: a client must treat the token as opaque, and the emulator decides validity by lookup.
 */
function jwtLike(grant: Grant, now: number, expiresIn: number): string {
	const issuedAt = Math.floor(now / 1000);
	const header = base64UrlEncode(JSON.stringify({ typ: 'JWT', alg: 'RS256' }));
	const claims = base64UrlEncode(
		JSON.stringify({
			aud: grant.clientId,
			jti: randomHex(40),
			iat: issuedAt,
			nbf: issuedAt,
			exp: issuedAt + Math.round(expiresIn),
			sub: grant.subject,
			scopes: [grant.scope],
		}),
	);
	return `${header}.${claims}.${randomBase64Url(256)}`;
}
