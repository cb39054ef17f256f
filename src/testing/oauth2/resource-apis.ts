import { authorizeResourceRequest, type AudienceCheck } from '../authorization-server/resource-access.js';
import type { ProtectedResource } from '../authorization-server/server-config.js';
import type { EmulatorState, Route } from '../emulator/provider-module.js';
import { json, methodNotAllowed } from '../emulator/responses.js';
import type { NormalizedResourceOption } from './resource-options.js';
import { resourceIdentifier, servesPath } from './resource-options.js';

/** RFC 9728 3.1: inserted between the host and the path of a resource identifier. */
const METADATA_SEGMENT = '/.well-known/oauth-protected-resource';

// What the CORS policy allows, so a browser app can call the APIs as it would call real ones.
const API_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/** A protected resource of the emulated OAuth2 server: where it answers, and where its metadata is. */
export interface EmulatedResource extends ProtectedResource, AudienceCheck {
	readonly path: string;
	/** The path of its metadata on the emulator. */
	readonly metadataPath: string;
}

/** The configured resources of the emulator at `url` (no trailing slash), with their identifiers and metadata URLs. */
export function emulatedResources(url: string, options: readonly NormalizedResourceOption[]): EmulatedResource[] {
	return options.map(({ path, scopes }) => ({
		identifier: resourceIdentifier(url, path),
		scopes,
		path,
		metadataPath: `${METADATA_SEGMENT}${path}`,
		metadataUrl: `${url}${METADATA_SEGMENT}${path}`,
	}));
}

/**
 * The protected-resource metadata of `resource`, whose one authorization server is `issuer`; while DPoP is on, it
 * says which proofs it takes, and whether it requires bound tokens.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function protectedResourceMetadata(resource: EmulatedResource, issuer: string, dpop: { enabled: boolean; required: boolean }) {
	return {
		resource: resource.identifier,
		authorization_servers: [issuer],
		...(resource.scopes === undefined ? {} : { scopes_supported: resource.scopes }),
		bearer_methods_supported: ['header'],
		...(dpop.enabled ? { dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: dpop.required } : {}),
	};
}

/**
 * The routes of the OAuth2 server's protected resources: each API (its path and everything under it), which takes only
 * tokens issued for it and answers with JSON naming the caller, and its RFC 9728 metadata. Each API call is counted
 * for its resource too.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function createResourceApis(state: EmulatorState, resources: readonly EmulatedResource[], provider: string) {
	for (const resource of resources) state.counters.addResource(resource.identifier);

	async function api(resource: EmulatedResource, request: Request, url: URL): Promise<Response> {
		const record = await authorizeResourceRequest(state, request, provider, resource);
		if (record instanceof Response) return record;
		if (!API_METHODS.includes(request.method)) return methodNotAllowed(API_METHODS, { error: 'method_not_allowed' });
		return json({
			resource: resource.identifier,
			method: request.method,
			path: url.pathname,
			sub: record.subject ?? record.clientId,
			client_id: record.clientId,
			scope: record.scope,
		});
	}

	async function metadata(resource: EmulatedResource, request: Request): Promise<Response> {
		if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET'], { error: 'invalid_request' });
		return json(protectedResourceMetadata(resource, state.url, state.dpop));
	}

	return function route(url: URL): Route | undefined {
		const described = resources.find((resource) => resource.metadataPath === url.pathname);
		if (described !== undefined) return { handle: (request) => metadata(described, request) };
		const served = resources.find((resource) => servesPath(resource.path, url.pathname));
		if (served === undefined) return undefined;
		return {
			target: 'api',
			handle: async (request) => {
				const response = state.dpop.decorate(await api(served, request, url), 'api');
				state.counters.resourceApiRequest(served.identifier, response.status);
				return response;
			},
		};
	};
}
