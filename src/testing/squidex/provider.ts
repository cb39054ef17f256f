import { readClientAuthentication } from '../emulator/client-auth.js';
import type { ClientCredentials, NormalizedOptions } from '../emulator/options.js';
import type { EmulatorState, ProviderModule } from '../emulator/provider-module.js';
import { randomBase64Url } from '../emulator/random.js';
import { bearerToken, mediaType } from '../emulator/request-parsing.js';
import { json, methodNotAllowed, NO_STORE, unauthorized } from '../emulator/responses.js';

const PROVIDER = 'squidex';
const TOKEN_PATH = '/identity-server/connect/token';
const SCOPE = 'squidex-api';
const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const SCHEMAS_PATH = /^\/api\/apps\/([^/]+)\/schemas\/?$/;

/**
 * Squidex as documented: IdentityServer's token endpoint (client credentials, form body, scope
 * `squidex-api`) and `/api/...` resources that answer 401 to anything but a live token.
 */
export function createSquidexProvider(state: EmulatorState, options: NormalizedOptions): ProviderModule {
	const { clients, expiresIn } = options.squidex;

	async function token(request: Request): Promise<Response> {
		// IdentityServer refuses anything but a form POST before looking at the body.
		if (request.method !== 'POST' || mediaType(request) !== 'application/x-www-form-urlencoded') {
			return oauthError('invalid_request');
		}
		const form = new URLSearchParams(await request.text());
		state.counters.grantType(form.get('grant_type'));

		const client = authenticate(clients, readClientAuthentication(request, form));
		// IdentityServer answers a failed client authentication with 400, not RFC 6749's 401.
		if (!client) return oauthError('invalid_client');
		if (form.get('grant_type') !== 'client_credentials') return oauthError('unsupported_grant_type');
		// No scope means every scope the client is allowed, which is just this one.
		const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
		if (scopes.some((scope) => scope !== SCOPE)) return oauthError('invalid_scope');

		const accessToken = randomBase64Url(32);
		state.tokens.addAccess(accessToken, { provider: PROVIDER, clientId: client.clientId, roles: [], scope: SCOPE }, expiresIn);
		return json({ access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer', scope: SCOPE }, 200, NO_STORE);
	}

	async function api(request: Request, url: URL): Promise<Response> {
		const token = bearerToken(request);
		// ASP.NET's JwtBearer handler: no challenge details without a token, `invalid_token` with a bad one.
		if (token === undefined) return unauthorized('Bearer');
		const record = state.tokens.validAccess(token, PROVIDER);
		if (!record) return unauthorized('Bearer error="invalid_token"');
		if (!API_METHODS.includes(request.method)) {
			return methodNotAllowed(API_METHODS, { message: `Method ${request.method} is not allowed.` });
		}

		const schemas = request.method === 'GET' ? SCHEMAS_PATH.exec(url.pathname) : null;
		if (schemas) return json(schemaList(schemas[1] ?? ''));
		const received = await request.text();
		return json({
			ok: true,
			method: request.method,
			path: url.pathname,
			client: record.clientId,
			// Echoed so a test can check that a retried request still carried its body.
			...(received === '' ? {} : { received }),
		});
	}

	return {
		name: PROVIDER,
		route(_method, url) {
			if (url.pathname === TOKEN_PATH) return { target: 'token', handle: token };
			if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return { target: 'api', handle: api };
			return undefined;
		},
	};
}

function authenticate(
	clients: readonly ClientCredentials[],
	presented: ReturnType<typeof readClientAuthentication>,
): ClientCredentials | undefined {
	if (presented === undefined || presented === 'malformed') return undefined;
	return clients.find((client) => client.clientId === presented.clientId && client.clientSecret === presented.clientSecret);
}

/** IdentityServer's error body is the bare RFC 6749 5.2 object. */
function oauthError(error: string): Response {
	return json({ error }, 400, NO_STORE);
}

function schemaList(app: string): unknown {
	const schema = (name: string, label: string, fields: number) => ({
		id: `${app}-${name}`,
		name,
		type: 'Default',
		category: null,
		isPublished: true,
		properties: { label },
		fieldsCount: fields,
		version: 3,
		_links: { self: { href: `/api/apps/${app}/schemas/${name}`, method: 'GET' } },
	});
	return {
		items: [schema('recipes', 'Recipes', 7), schema('ingredients', 'Ingredients', 4), schema('authors', 'Authors', 3)],
		_links: { self: { href: `/api/apps/${app}/schemas`, method: 'GET' } },
	};
}
