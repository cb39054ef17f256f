import { AuthorizationServerMismatchError } from './errors.js';
import type { DiscoveryStep, ProviderEndpoints } from './provider-endpoints.js';
import { readProtectedResourceMetadata, type ProtectedResourceMetadata } from './resource-metadata.js';

/*
 * An API that rejects the session's token may say whose tokens it takes: `WWW-Authenticate: Bearer
 * resource_metadata="…"` (RFC 9728 5.1) names its protected-resource metadata, which names its authorization servers.
 * When the session's is not among them, a new token from it would be rejected too, and the API's server is not one
 * this session may ask: the client stops with an error that says so, instead of a refresh and a retry. Nothing is
 * ever sent to the other server. Brought by the providers that can tell (`oauth2()` with an issuer, given or
 * discovered), so that the presets' bundles (an SPA on Sqowey) never carry it.
 */

/** How one document is fetched: the endpoint layer's `DocumentTransport`, which this module does not import. */
interface DocumentTransport {
	readonly fetch: typeof fetch;
	readonly timeout: number;
}

/** What the check needs of the request the API rejected: its URL, and the client's own fetch, to send another with. */
export interface RejectedRequest {
	readonly url: string;
	send(authorization: undefined, request: Request): Promise<Response>;
}

/** The endpoint layer's: fetch the documents `step` names, bounded in time and size. */
export type FetchDiscovery = <T>(step: DiscoveryStep<T>, transport: DocumentTransport) => Promise<T>;

/**
 * The endpoint layer's: the endpoints of the session's provider (discovered once), whose `issuer` names its server when
 * it has none. Generic over the provider, which this module only hands back: `provider.ts` imports this module's types.
 */
export type ResolveEndpoints<P> = (provider: P, transport: DocumentTransport) => Promise<ProviderEndpoints>;

/** How long the API's metadata may take, as a token request's attempt by default. */
const METADATA_TIMEOUT = 10_000;

/**
 * Resolves when `response` (a rejection of the token sent with `request`) names no metadata, or metadata that cannot
 * be used (fetched once per URL while it works; an unusable one changes nothing: the client refreshes and retries as
 * it always has), or an authorization server list that holds the session's. Rejects with an
 * {@link AuthorizationServerMismatchError} otherwise. The client hands in the endpoint layer's functions, so that this
 * module, which providers bring, imports none of the layers above it; as arguments, not an object, because the call
 * is in every client's bundle (an SPA on Sqowey too) and an object's keys are bytes there.
 */
export type ResourceChallengeCheck = <P>(
	response: Response,
	request: RejectedRequest,
	provider: P,
	fetchDiscovery: FetchDiscovery,
	resolveEndpoints: ResolveEndpoints<P>,
) => Promise<void>;

/** How many metadata URLs one provider remembers: an app calls a few APIs, not thousands. */
const MAX_REMEMBERED = 16;

/**
 * The `resource_metadata` URL of a `WWW-Authenticate` header, in whichever challenge it is (`Bearer`, `DPoP`), quoted
 * or not; `undefined` when it names none.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function resourceMetadataUrlOf(header: string | null): string | undefined {
	const match = header?.match(/(?:^|[\s,])resource_metadata\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/i);
	return match ? (match[1]?.replace(/\\(.)/g, '$1') ?? match[2]) : undefined;
}

/**
 * Whether metadata whose `resource` is `resource` speaks for a request to `requestUrl`: the same URL, or the same
 * origin and a path below the resource's. RFC 9728 3.3 asks for the same URL; a REST API names one resource for all
 * its paths, as draft-mcguinness-oauth-rfc9728bis (by one of RFC 9728's authors) allows. What is at stake is only an
 * error instead of a retry: a document read here never sends a token anywhere.
 */
export function speaksFor(resource: string, requestUrl: string): boolean {
	if (resource === requestUrl || !URL.canParse(resource)) return resource === requestUrl;
	const named = new URL(resource);
	const requested = new URL(requestUrl);
	if (named.origin !== requested.origin || named.search || named.hash) return false;
	const base = named.pathname.endsWith('/') ? named.pathname : `${named.pathname}/`;
	return requested.pathname === named.pathname || requested.pathname.startsWith(base);
}

/** The metadata an API's challenge names: its `resource` is checked against the request ({@link speaksFor}). */
function challengeMetadata(url: string): DiscoveryStep<ProtectedResourceMetadata> {
	return {
		url,
		what: 'protected resource metadata endpoint',
		read: (document, status) => readProtectedResourceMetadata(document, { resource: undefined, url, status }),
	};
}

/** An https URL, or one on the API's own origin: an API cannot make its clients fetch from plain http elsewhere. */
function mayFetch(url: string, requestUrl: string): boolean {
	if (!URL.canParse(url)) return false;
	const { protocol, origin } = new URL(url);
	return protocol === 'https:' || origin === new URL(requestUrl).origin;
}

/**
 * The check a provider brings (see {@link ResourceChallengeCheck}). `issuer`: the provider's own, when it has one;
 * else the session's endpoints name it once discovered.
 */
export function createResourceChallengeCheck(issuer: string | undefined): ResourceChallengeCheck {
	const remembered = new Map<string, Promise<ProtectedResourceMetadata>>();
	return async (response, request, provider, fetchDiscovery, resolveEndpoints) => {
		const requestUrl = request.url;
		const url = resourceMetadataUrlOf(response.headers.get('www-authenticate'));
		if (!url || !mayFetch(url, requestUrl)) return;
		const transport: DocumentTransport = {
			// The API's metadata is fetched as the API is: with the client's own fetch (its proxy, its instrumentation).
			fetch: (input, init) => request.send(undefined, new Request(input, init)),
			timeout: METADATA_TIMEOUT,
		};
		let metadata = remembered.get(url);
		if (!metadata) {
			if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
			metadata = fetchDiscovery(challengeMetadata(url), transport);
			remembered.set(url, metadata);
			// Forgotten when it fails, so that a later rejection reads it again.
			metadata.catch(() => remembered.delete(url));
		}
		const read = await metadata.catch(() => undefined);
		if (!read || !speaksFor(read.resource, requestUrl)) return;
		// A discovery that fails here fails as the retry's token request would have: with its own error.
		const own = (issuer ?? (await resolveEndpoints(provider, transport)).issuer)?.replace(/\/+$/, '');
		if (own === undefined || read.authorizationServers.some((server) => server.replace(/\/+$/, '') === own)) return;
		throw new AuthorizationServerMismatchError(
			`The API ${read.resource} takes tokens from ${read.authorizationServers.join(', ')} (its metadata at ${url}, RFC 9728), not from this session's authorization server ${own}. No token was sent to another server: make a session for that API, e.g. with oauth2({ resource: '${read.resource}', clientId, … }).`,
			{ resource: read.resource, authorizationServers: read.authorizationServers, issuer: own, status: response.status, response },
		);
	};
}
