import { createAuthorizationServer } from '../authorization-server/endpoints.js';
import type { NormalizedOptions } from '../emulator/options.js';
import type { ConsentMode, EmulatorState, ProviderModule } from '../emulator/provider-module.js';
import { authorizeResourceRequest } from '../authorization-server/resource-access.js';
import { createTokenExchangeGrant, TOKEN_EXCHANGE_GRANT } from '../authorization-server/token-exchange.js';
import { json, methodNotAllowed } from '../emulator/responses.js';
import { createDeviceEndpoints, deviceDecisionError } from './device-endpoints.js';
import { DeviceLogins } from './device-logins.js';
import { createOpenIdProvider } from '../openid/openid-provider.js';
import { ClientAssertionPolicy } from '../client-assertions/assertion-policy.js';
import { checkPublicJwk, ClientKeys, jwkThumbprint, type ClientPublicJwk } from '../client-assertions/client-keys.js';
import { InvalidOptionError } from '../../errors.js';
import { oauth2EmulatorCredentials } from './options.js';
import { createResourceApis, emulatedResources } from './resource-apis.js';
import { DEVICE_CODE_GRANT, discoveryDocument, OAUTH2, OAUTH2_PATHS, oauth2Server } from './server.js';

/**
 * A generic OAuth2 / OpenID server whose issuer is the emulator's URL, for `oauth2({ issuer })`: discovery,
 * authorization code + PKCE, client credentials, rotating refresh tokens with replay detection, revocation,
 * the device authorization grant, token exchange (RFC 8693) for confidential clients, a userinfo endpoint that really checks tokens, and protected resources (APIs that
 * take only tokens issued for them, RFC 8707, each with its RFC 9728 metadata), and OpenID Connect: signed ID tokens, a
 * JWKS, and an end-session endpoint.
 */
export function createOAuth2Provider(state: EmulatorState, options: NormalizedOptions): ProviderModule {
	const resources = emulatedResources(state.url, options.oauth2.resources);
	const resourceRoute = createResourceApis(state, resources, OAUTH2);
	const { users } = options.oauth2;
	const openId = createOpenIdProvider(state, {
		alg: options.oauth2.idTokenAlg,
		lifetime: options.oauth2.accessTokenLifetime,
		username: (subject) => users.find((user) => user.id === subject)?.username,
	});
	const clientKeys = new ClientKeys(options.oauth2.clients);
	const endpoints = Object.values(OAUTH2_PATHS).map((path) => `${state.url}${path}`);
	const server = oauth2Server(options.oauth2, resources, openId.idTokens, new ClientAssertionPolicy(clientKeys, endpoints));
	const endSession = openId.endSession(server);
	const logins = new DeviceLogins(state.now);
	const device = createDeviceEndpoints(state, server, options.oauth2, logins);
	const { authorize, token, revoke, pushedAuthorization } = createAuthorizationServer(state, server, {
		[DEVICE_CODE_GRANT]: device.deviceCodeGrant,
		[TOKEN_EXCHANGE_GRANT]: createTokenExchangeGrant(state, server),
	});

	async function discovery(request: Request): Promise<Response> {
		if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET'], { error: 'invalid_request' });
		return json(discoveryDocument(state.url, server, openId.alg));
	}

	/**
	 * OpenID Connect Core 5.3: GET or POST with a bearer token; a user's token gets the ID token's `sub` and
	 * `preferred_username`, a client credentials token names its client. It is the server's own endpoint: a token issued
	 * for a resource is not for it (as at oidc-provider). An injected userinfo fault spoils the answer.
	 */
	async function userinfo(request: Request): Promise<Response> {
		const record = await authorizeResourceRequest(state, request, OAUTH2);
		if (record instanceof Response) return record;
		if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed(['GET', 'POST'], { error: 'invalid_request' });
		if (record.subject === undefined)
			return json(openId.userinfoClaims({ sub: record.clientId, client_id: record.clientId, scope: record.scope }));
		const user = users.find((candidate) => candidate.id === record.subject);
		return json(
			openId.userinfoClaims({ sub: record.subject, preferred_username: user?.username, client_id: record.clientId, scope: record.scope }),
		);
	}

	return {
		name: OAUTH2,
		route(_method, url) {
			switch (url.pathname) {
				case OAUTH2_PATHS.discovery:
				case OAUTH2_PATHS.metadata:
					return { handle: discovery };
				case OAUTH2_PATHS.authorize:
					return { handle: authorize };
				case OAUTH2_PATHS.token:
					return { target: 'token', handle: token };
				case OAUTH2_PATHS.revoke:
					return { target: 'revocation', handle: revoke };
				case OAUTH2_PATHS.device:
					return { target: 'device-authorization', handle: device.deviceAuthorization };
				case OAUTH2_PATHS.pushedAuthorization:
					return { target: 'pushed-authorization', handle: pushedAuthorization };
				case OAUTH2_PATHS.verify:
					return { handle: device.verify };
				case OAUTH2_PATHS.jwks:
					return { handle: openId.jwks };
				case OAUTH2_PATHS.endSession:
					return { handle: endSession };
				case OAUTH2_PATHS.userinfo:
					return { target: 'api', handle: async (request) => state.dpop.decorate(await userinfo(request), 'api') };
				default:
					return resourceRoute(url);
			}
		},
		decideDevice(decision: ConsentMode, userCode: string | undefined) {
			const outcome = logins.decide(userCode, decision);
			if (!outcome.ok) throw deviceDecisionError(outcome.reason, userCode, decision);
		},
		openId: openId.controls,
		async registerClientKey(publicJwk: ClientPublicJwk, clientId = oauth2EmulatorCredentials(state.url, options.oauth2).clientId) {
			if (!server.clients.some((client) => client.clientId === clientId)) {
				throw new InvalidOptionError('clientId', `Expected \`clientId\` to be a client of the oauth2 server, got "${clientId}"`);
			}
			const jwk = checkPublicJwk('publicJwk', publicJwk);
			const kid = jwk.kid ?? (await jwkThumbprint(jwk));
			clientKeys.add(clientId, { ...jwk, kid });
			return Object.freeze({ clientId, kid });
		},
	};
}
