import type { EmulatorState } from '../emulator/provider-module.js';
import { json } from '../emulator/responses.js';
import type { AuthorizationCodes } from './authorization-codes.js';
import type { PushedRequests } from './pushed-requests.js';
import { htmlPage } from './html-page.js';
import { isConfidential, repeatedParameter } from './oauth-request.js';
import { isS256Challenge } from './pkce-check.js';
import { acceptsRedirectUri, redirect } from './redirect.js';
import { namedResources, repeatableParameters } from './resource-indicators.js';
import { splitScope, type AuthorizationServerConfig } from './server-config.js';

/**
 * The authorization endpoint (`GET`) with automatic consent (or refusal, per `setConsent()`): checks the
 * client and redirect URI first and shows an error page when they are wrong, never redirecting to an
 * unchecked URI; every later error goes back to the client as `?error=…&state=…&iss=…`. On a server with
 * resources, the request may name several (`resource`, repeated), and the code covers those. A pushed request (RFC 9126)
 * comes as `client_id` + `request_uri`, once, before it expires, and is checked as a direct one; a server that requires
 * pushed requests refuses any other.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc9207
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export function createAuthorizeEndpoint(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	codes: AuthorizationCodes,
	pushedRequests: PushedRequests,
) {
	const errorPage = (request: Request, status: number, error: string, description: string) =>
		refusalPage(request, server.displayName, status, error, description);

	return async function authorize(request: Request, url: URL): Promise<Response> {
		if (request.method !== 'GET' && request.method !== 'HEAD') return errorPage(request, 405, 'invalid_request', 'Use GET.');
		for (const name of ['client_id', 'request_uri']) {
			if (url.searchParams.getAll(name).length > 1)
				return errorPage(request, 400, 'invalid_request', `The \`${name}\` parameter is included more than once.`);
		}
		const requestUri = url.searchParams.get('request_uri');
		const pushed = requestUri === null ? undefined : pushedRequests.take(requestUri, url.searchParams.get('client_id'));
		// RFC 9101 6.2's code: the parameters, redirect URI included, are unknown, so nothing can be redirected.
		if (typeof pushed === 'string') return errorPage(request, 400, 'invalid_request_uri', pushed);
		const params = pushed ?? url.searchParams;
		for (const name of ['client_id', 'redirect_uri']) {
			if (params.getAll(name).length > 1)
				return errorPage(request, 400, 'invalid_request', `The \`${name}\` parameter is included more than once.`);
		}
		const client = server.clients.find((candidate) => candidate.clientId === params.get('client_id'));
		if (!client) return errorPage(request, 400, 'invalid_client', 'Unknown client_id.');
		const redirectUri = params.get('redirect_uri');
		if (redirectUri === null) return errorPage(request, 400, 'invalid_request', 'The redirect_uri parameter is missing.');
		if (!acceptsRedirectUri(client.redirectUris, redirectUri)) {
			return errorPage(request, 400, 'invalid_request', 'The redirect_uri is not registered for this application.');
		}

		// From here on the redirect URI is trusted: errors go back to the client.
		const clientState = params.get('state') ?? undefined;
		const back = (fields: Record<string, string>) => redirect(redirectUri, { ...fields, state: clientState, iss: state.url });
		const refuse = (error: string, description: string) => back({ error, error_description: description });
		if (server.requirePushedAuthorizationRequests && pushed === undefined) {
			return refuse('invalid_request', 'This server takes only pushed authorization requests (RFC 9126 5): push it first.');
		}

		const repeated = repeatedParameter(params, repeatableParameters(server.resources));
		if (repeated !== undefined) return refuse('invalid_request', `The \`${repeated}\` parameter is included more than once.`);
		const responseType = params.get('response_type');
		if (responseType === null) return refuse('invalid_request', 'The response_type parameter is missing.');
		if (responseType !== 'code') return refuse('unsupported_response_type', 'Only response_type=code is supported.');

		const challenge = params.get('code_challenge');
		const method = params.get('code_challenge_method');
		if (challenge === null && !isConfidential(client, server)) {
			return refuse('invalid_request', 'PKCE is required for public clients: send code_challenge with code_challenge_method=S256.');
		}
		if ((challenge !== null || method !== null) && method !== 'S256') {
			// A missing method means `plain` (RFC 7636 4.3), which leaks the verifier: refused.
			return refuse('invalid_request', 'code_challenge_method must be S256.');
		}
		if (method !== null && (challenge === null || !isS256Challenge(challenge))) {
			return refuse('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code_verifier.');
		}

		const requested = splitScope(params.get('scope'));
		const refused = server.scopes.refuse(requested);
		if (refused !== undefined) return refuse('invalid_scope', refused);
		const named = server.resources === undefined ? undefined : namedResources(params, server.resources);
		if (named !== undefined && 'refused' in named) return refuse('invalid_target', named.refused);

		if (state.consent === 'deny') return refuse('access_denied', 'The user denied the authorization request.');
		const code = codes.issue(
			{
				clientId: client.clientId,
				redirectUri,
				codeChallenge: challenge ?? undefined,
				scope: requested.join(' '),
				subject: server.subject,
				// A server without DPoP knows no `dpop_jkt`: it binds nothing, as one that ignores the parameter would.
				dpopJkt: state.dpop.enabled ? (params.get('dpop_jkt') ?? undefined) : undefined,
				resources: named === undefined || named.resources.length === 0 ? undefined : named.resources,
				// OpenID Connect Core 3.1.2.1: returned unchanged in the ID token, so the client can tie it to this request.
				nonce: params.get('nonce') ?? undefined,
				authTime: Math.floor(state.now() / 1000),
			},
			server.codeLifetime(requested),
		);
		return back({ code });
	};
}

/** The page a user sees when the request cannot be trusted enough to redirect; JSON for API clients. */
function refusalPage(request: Request, displayName: string, status: number, error: string, description: string): Response {
	const accept = request.headers.get('accept') ?? '';
	if (accept.includes('application/json') && !accept.includes('text/html')) return json({ error, error_description: description }, status);
	return htmlPage(status, `${displayName}: authorization error`, error, description);
}
