import { authenticateAssertion, JWT_BEARER_ASSERTION } from '../client-assertions/assertion-authentication.js';
import { readClientAuthentication } from '../emulator/client-auth.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { mediaType } from '../emulator/request-parsing.js';
import { json, methodNotAllowed, NO_STORE } from '../emulator/responses.js';
import type { RegisteredClient } from './registrations.js';
import type { AuthorizationServerConfig } from './server-config.js';

/**
 * The bare RFC 6749 error object the token, revocation and device authorization endpoints answer with.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function oauthError(error: string, description: string, status = 400, headers: Record<string, string> = {}): Response {
	return json({ error, error_description: description }, status, { ...NO_STORE, ...headers });
}

/**
 * The form body of a POST to a token, revocation or device authorization endpoint, or the error answer: anything but a
 * form POST, and a parameter sent twice (but the `repeatable` ones), are refused before the body means anything.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function readOAuthForm(request: Request, repeatable: readonly string[] = []): Promise<URLSearchParams | Response> {
	if (request.method !== 'POST') return methodNotAllowed(['POST'], { error: 'invalid_request', error_description: 'Use POST.' });
	if (mediaType(request) !== 'application/x-www-form-urlencoded') {
		return oauthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
	}
	const form = new URLSearchParams(await request.text());
	const repeated = repeatedParameter(form, repeatable);
	if (repeated !== undefined) return oauthError('invalid_request', `The \`${repeated}\` parameter is included more than once.`);
	return form;
}

/**
 * The first parameter that appears more than once (RFC 6749 3.1 and 3.2 forbid it), if any; the `repeatable` ones are
 * those an extension allows more than once (RFC 8707's `resource`).
 */
export function repeatedParameter(params: URLSearchParams, repeatable: readonly string[] = []): string | undefined {
	const seen = new Set<string>();
	for (const name of params.keys()) {
		if (seen.has(name) && !repeatable.includes(name)) return name;
		seen.add(name);
	}
	return undefined;
}

/**
 * Authenticates the client of a request to `server`'s token, revocation or device authorization endpoint (and any
 * other that authenticates clients): a public client names itself with `client_id` and nothing else; a confidential
 * one adds its secret, in the body or with HTTP Basic, or a JWT assertion (`client_assertion`, private_key_jwt or
 * client_secret_jwt) — one method only. A client with registered keys and no secret must send an assertion.
 * Returns the client, or the error answer (401 `invalid_client` saying which check failed).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export async function authenticateClient(
	state: EmulatorState,
	request: Request,
	form: URLSearchParams,
	server: AuthorizationServerConfig,
): Promise<RegisteredClient | Response> {
	const basic = /^basic\s/i.test(request.headers.get('authorization') ?? '');
	if (form.has('client_assertion') || form.has('client_assertion_type')) return byAssertion(state, form, server, basic);
	if (basic && form.has('client_secret')) {
		return oauthError('invalid_request', 'Use one client authentication method: HTTP Basic or the body, not both.');
	}
	const presented = readClientAuthentication(request, form);
	// RFC 6749 5.2: a client that tried HTTP Basic must be challenged with it.
	const failed = (description: string) =>
		oauthError('invalid_client', description, 401, basic ? { 'www-authenticate': `Basic realm="${server.provider}"` } : {});
	if (presented === undefined) return failed('Client authentication failed: no client_id.');
	if (presented === 'malformed') return failed('Client authentication failed: the Basic credentials cannot be decoded.');
	if (basic && form.has('client_id') && form.get('client_id') !== presented.clientId) {
		return failed('Client authentication failed: client_id differs from the Basic credentials.');
	}
	const client = server.clients.find((candidate) => candidate.clientId === presented.clientId);
	// A public client has no secret, so presenting one is as wrong as presenting a bad one.
	if (!client || (client.clientSecret ?? '') !== presented.clientSecret) return failed('Client authentication failed.');
	if (client.clientSecret === undefined && isConfidential(client, server)) {
		return failed('Client authentication failed: the client has registered keys, so it must send a private_key_jwt client_assertion.');
	}
	return client;
}

/** Whether `client` can authenticate (a secret or registered keys): it may then use client credentials and skip PKCE. */
export function isConfidential(client: RegisteredClient, server: AuthorizationServerConfig): boolean {
	return client.clientSecret !== undefined || (server.clientAssertions?.keys.has(client.clientId) ?? false);
}

async function byAssertion(
	state: EmulatorState,
	form: URLSearchParams,
	server: AuthorizationServerConfig,
	basic: boolean,
): Promise<RegisteredClient | Response> {
	// OpenID Connect Core 9: a client uses one method; a secret beside an assertion is ambiguous, so refused.
	if (basic || form.has('client_secret')) {
		return oauthError(
			'invalid_request',
			'Use one client authentication method: a client assertion, not also a client secret or HTTP Basic.',
		);
	}
	if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION) {
		return oauthError('invalid_request', `client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
	}
	const assertion = form.get('client_assertion');
	if (!assertion) return oauthError('invalid_request', 'The client_assertion parameter is missing.');
	const outcome = await authenticateAssertion(state, server, assertion, form.get('client_id'));
	return outcome.ok ? outcome.client : oauthError('invalid_client', outcome.description, 401);
}
