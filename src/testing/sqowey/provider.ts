import { createAuthorizationServer } from '../authorization-server/endpoints.js';
import type { NormalizedOptions } from '../emulator/options.js';
import type { EmulatorState, ProviderModule } from '../emulator/provider-module.js';
import { authorizeResourceRequest } from '../authorization-server/resource-access.js';
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
		const record = await authorizeResourceRequest(state, request, SQOWEY);
		if (record instanceof Response) return record;
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
					return { target: 'api', handle: async (request) => state.dpop.decorate(await me(request), 'api') };
				default:
					return undefined;
			}
		},
	};
}
