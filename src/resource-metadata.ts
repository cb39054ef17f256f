import * as z from 'zod/mini';
import { readDiscoveryDocument } from './discovery-document.js';
import { TokenResponseError } from './errors.js';
import type { DiscoveryStep } from './provider-endpoints.js';
import { WireString } from './wire-fields.js';

/*
 * An API known only by its URL (RFC 9728), as MCP clients know theirs: its protected-resource metadata names the
 * authorization servers whose tokens it takes; the first one is discovered (RFC 8414, then OpenID discovery), and its
 * endpoints become the provider's. Pure: each document is read by a step the endpoint layer fetches
 * (`endpoint/discovery.ts`), and only a provider made with `oauth2({ resource })` (or one that checks an API's
 * challenge, `resource-challenge.ts`) brings this module into a bundle.
 */

/** The fields of a protected-resource metadata document that tokenkeeper uses. */
const ProtectedResourceMetadataSchema = z.object({
	resource: WireString,
	authorization_servers: z.optional(z.custom<unknown>()),
});

/** What a protected-resource metadata document says that tokenkeeper uses. */
export interface ProtectedResourceMetadata {
	/** The API's resource identifier, as the document names it. */
	readonly resource: string;
	/** The issuer identifiers of the authorization servers whose tokens the API takes, in the document's order. */
	readonly authorizationServers: readonly string[];
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * An https URL, or an http one on a loopback host (a server on this machine: a test, a local tool). Nothing else may
 * name where the client secret goes: an http URL across the network could be rewritten on the way.
 */
export function isSecureUrl(url: string): boolean {
	if (!URL.canParse(url)) return false;
	const { protocol, hostname } = new URL(url);
	return protocol === 'https:' || (protocol === 'http:' && LOOPBACK_HOST.test(hostname));
}

/**
 * Where an API's protected-resource metadata is: `/.well-known/oauth-protected-resource` inserted between the host and
 * the path (and query) of its resource identifier, a path of only `/` dropped.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 * @example protectedResourceMetadataUrl('https://mcp.example/mcp') // 'https://mcp.example/.well-known/oauth-protected-resource/mcp'
 */
export function protectedResourceMetadataUrl(resource: string): string {
	const { origin, pathname, search } = new URL(resource);
	return `${origin}/.well-known/oauth-protected-resource${pathname === '/' ? '' : pathname}${search}`;
}

/**
 * Where an authorization server's RFC 8414 metadata is: `/.well-known/oauth-authorization-server` inserted between the
 * host and the path of its issuer identifier, without the path's trailing slashes.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function authorizationServerMetadataUrl(issuer: string): string {
	const { origin, pathname } = new URL(issuer);
	return `${origin}/.well-known/oauth-authorization-server${pathname.replace(/\/+$/, '')}`;
}

/** Where a protected-resource metadata document came from: what it must name, and what messages say. */
export interface MetadataSource {
	/**
	 * The resource identifier it was fetched for, as configured, which the document must name; `undefined` for a
	 * document an API's challenge named, whose `resource` the caller checks against the request (RFC 9728 3.3).
	 */
	readonly resource: string | undefined;
	readonly url: string;
	readonly status: number;
}

/**
 * What a protected-resource metadata document says, or a {@link TokenResponseError} naming the URL and what is wrong:
 * no document, a `resource` other than the one it was fetched for (RFC 9728 3.3: "the data contained in the response
 * MUST NOT be used"), no authorization server, or one that is not an https URL (nor http on a loopback host) without
 * query or fragment (RFC 8414 2).
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function readProtectedResourceMetadata(document: unknown, source: MetadataSource): ProtectedResourceMetadata {
	const { resource, url, status } = source;
	const refuse = (what: string) => new TokenResponseError(`The protected resource metadata at ${url} ${what}`, { status });
	const parsed = ProtectedResourceMetadataSchema.safeParse(document);
	if (!parsed.success) {
		throw refuse(`answered ${status} without a usable document (RFC 9728). Check that \`resource\` is the API's resource identifier.`);
	}
	if (resource !== undefined && parsed.data.resource !== resource) {
		throw refuse(
			`is for "${parsed.data.resource}", not "${resource}", and is not used (RFC 9728 3.3). Set \`resource\` to the API's resource identifier, exactly.`,
		);
	}
	const servers = parsed.data.authorization_servers;
	if (!Array.isArray(servers) || servers.length === 0) {
		throw refuse('names no authorization server (`authorization_servers`). Pass `issuer` or `tokenEndpoint` instead.');
	}
	for (const server of servers) {
		if (typeof server !== 'string' || !isSecureUrl(server) || /[?#]/.test(server)) {
			throw refuse(
				`names an authorization server that is not an https URL without query or fragment (${JSON.stringify(server)}). Pass \`issuer\` or \`tokenEndpoint\` instead.`,
			);
		}
	}
	return { resource: parsed.data.resource, authorizationServers: servers as string[] };
}

/**
 * The discovery of an API's authorization server from its resource identifier, as steps: its protected-resource
 * metadata (RFC 9728), whose first authorization server is then discovered by {@link authorizationServerDiscovery}.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function resourceDiscovery(resource: string): DiscoveryStep {
	const url = protectedResourceMetadataUrl(resource);
	return {
		url,
		what: 'protected resource metadata endpoint',
		read: (document, status) => {
			const [first] = readProtectedResourceMetadata(document, { resource, url, status }).authorizationServers;
			return authorizationServerDiscovery(first!.replace(/\/+$/, ''), resource);
		},
	};
}

/**
 * The endpoints of the authorization server `issuer` (without trailing slashes), which the metadata of `resource`
 * named: its RFC 8414 metadata, or when it has none (an error status, or no JSON object: an HTML page), its OpenID
 * configuration. Either must name `issuer` as its own (RFC 8414 3.3, OpenID Connect Discovery 4.3); the endpoints
 * carry it, for the `iss` check of authorization responses.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function authorizationServerDiscovery(issuer: string, resource: string): DiscoveryStep {
	const url = authorizationServerMetadataUrl(issuer);
	const advice = `It is the authorization server the metadata of ${resource} names: check that server, or pass \`issuer\` or \`tokenEndpoint\` instead of \`resource\` alone.`;
	return {
		url,
		what: 'authorization server metadata endpoint',
		read: (document, status) => {
			if (typeof document === 'object' && document !== null) {
				return readDiscoveryDocument(document, { issuer, url, status, what: 'Authorization server metadata (RFC 8414)', advice });
			}
			const fallback = `${issuer}/.well-known/openid-configuration`;
			return {
				url: fallback,
				what: 'OpenID discovery endpoint',
				read: (configuration, fallbackStatus) =>
					readDiscoveryDocument(configuration, {
						issuer,
						url: fallback,
						status: fallbackStatus,
						advice: `Nor has it RFC 8414 metadata (${url} answered ${status}). ${advice}`,
					}),
			};
		},
	};
}
