import type { EmulatorState } from '../emulator/provider-module.js';
import { NO_STORE } from '../emulator/responses.js';
import { authenticateClient, oauthError, readOAuthForm } from './oauth-request.js';
import type { AuthorizationServerConfig } from './server-config.js';

/**
 * The revocation endpoint (`POST`): revoking a refresh token ends its whole login, revoking an access token
 * ends that token; an unknown token is answered 200 all the same.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export function createRevokeEndpoint(state: EmulatorState, server: AuthorizationServerConfig) {
	return async function revoke(request: Request): Promise<Response> {
		const form = await readOAuthForm(request);
		if (form instanceof Response) return form;
		const client = await authenticateClient(state, request, form, server);
		if (client instanceof Response) return client;
		const token = form.get('token');
		if (!token) return oauthError('invalid_request', 'The token parameter is missing.');
		// `token_type_hint` only speeds up a lookup (RFC 7009 2.1); both kinds are searched anyway.
		if (state.tokens.revoke(token, server.provider, client.clientId) === 'wrong-client') {
			return oauthError('invalid_request', 'The token was not issued to this client.');
		}
		return new Response(null, { status: 200, headers: NO_STORE });
	};
}
