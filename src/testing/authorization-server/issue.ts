import type { Grant } from '../emulator/issued-tokens.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { randomBase64Url } from '../emulator/random.js';
import { json, NO_STORE } from '../emulator/responses.js';
import type { AuthorizationServerConfig } from './server-config.js';

/**
 * Issues and records the tokens of `grant` and answers with them: a refresh token when the server gives them
 * and a user is behind the grant (RFC 6749 4.4.3: client credentials get none, the client can simply ask
 * again), and `scope` whenever one was granted.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function issueTokens(state: EmulatorState, server: AuthorizationServerConfig, grant: Grant): Response {
	const accessToken = randomBase64Url(32);
	state.tokens.addAccess(accessToken, grant, server.accessTokenLifetime);
	const refreshToken = server.refreshTokens && grant.subject !== undefined ? randomBase64Url(32) : undefined;
	if (refreshToken !== undefined) state.tokens.addRefresh(refreshToken, grant, accessToken);
	return json(
		{
			access_token: accessToken,
			// Bound to a DPoP key when the request carried a proof (RFC 9449 5).
			token_type: grant.jkt === undefined ? 'Bearer' : 'DPoP',
			expires_in: server.accessTokenLifetime,
			...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
			...(grant.scope === '' ? {} : { scope: grant.scope }),
		},
		200,
		NO_STORE,
	);
}
