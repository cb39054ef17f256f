import { boundedRequest } from '../bounded-request.js';
import { buildTokenRequest, redact } from '../endpoint.js';
import { NetworkError, type TokenkeeperError } from '../errors.js';
import type { Provider } from '../provider.js';
import { processErrorResponse } from '../token-response.js';
import type { Transport } from '../transport.js';

/**
 * Revoke one token (RFC 7009): form body with `token` and `token_type_hint`, the client authenticated as for
 * token requests. Resolves `undefined` on success (200, as the RFC says even for unknown tokens), or the error.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeToken(
	provider: Provider,
	endpoint: string,
	token: string,
	hint: 'access_token' | 'refresh_token',
	transport: Transport,
): Promise<TokenkeeperError | undefined> {
	const request = buildTokenRequest(provider, endpoint, { token, token_type_hint: hint });
	const outcome = await boundedRequest(request.url, { method: 'POST', headers: request.headers, body: request.body }, transport, undefined);
	if (outcome.kind !== 'response') {
		return new NetworkError(`The revocation endpoint at ${new URL(endpoint).host} could not be reached (${outcome.kind}).`, {
			attempts: 1,
			timeout: outcome.kind === 'timeout',
		});
	}
	if (outcome.response.ok) return undefined;
	return processErrorResponse(
		{
			status: outcome.response.status,
			contentType: outcome.response.headers.get('content-type') ?? '',
			// The token and the client secret, as a server may echo them back.
			bodyText: redact(outcome.bodyText, request.secrets),
			receivedAt: transport.now(),
			response: outcome.response,
		},
		'revocation endpoint',
	);
}
