import { createAuthorizationServer } from '../authorization-server/endpoints.js';
import type { NormalizedOptions } from '../emulator/options.js';
import type { EmulatorState, ProviderModule } from '../emulator/provider-module.js';
import { bearerToken } from '../emulator/request-parsing.js';
import { json, methodNotAllowed, unauthorized } from '../emulator/responses.js';
import { SQOWEY, sqoweyServer } from './server.js';

const USER_PATH = '/api/users/@me';

/**
 * Sqowey as documented (authorization code grant at `/oauth2/auth`, `/oauth2/token`,
 * `/oauth2/token/revoke`), hardened as a strict server is: PKCE S256 for public clients, exact
 * redirect URIs, single-use codes, rotating refresh tokens with replay detection, `iss` on every
 * authorization response. `/api/users/@me` is the protected resource that needs scope `identity`.
 */
export function createSqoweyProvider(state: EmulatorState, options: NormalizedOptions): ProviderModule {
	const { authorize, token, revoke } = createAuthorizationServer(state, sqoweyServer(options.sqowey));
	const { users } = options.sqowey;

	async function me(request: Request): Promise<Response> {
		const presented = bearerToken(request);
		// RFC 6750 3.1: no error code when the request had no token at all.
		if (presented === undefined) return unauthorized('Bearer');
		const record = state.tokens.validAccess(presented, SQOWEY);
		if (!record) return unauthorized('Bearer error="invalid_token"');
		if (!record.scope.split(' ').includes('identity')) {
			return new Response(null, { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="identity"' } });
		}
		if (request.method !== 'GET') return methodNotAllowed(['GET'], { message: `Method ${request.method} is not allowed.` });
		const user = users.find((candidate) => candidate.id === record.subject);
		if (!user) return unauthorized('Bearer error="invalid_token"');
		return json({ id: user.id, username: user.username });
	}

	return {
		name: SQOWEY,
		route(_method, url) {
			switch (url.pathname) {
				case '/oauth2/auth':
					return { handle: authorize };
				case '/oauth2/token':
					return { target: 'token', handle: token };
				case '/oauth2/token/revoke':
					return { target: 'revocation', handle: revoke };
				case USER_PATH:
					return { target: 'api', handle: me };
				default:
					return undefined;
			}
		},
	};
}
