import { abortable } from '../abortable.js';
import { invalidOption } from '../options.js';
import { discoveryOf, type DiscoveryStep, type Provider, type ProviderEndpoints } from '../provider.js';
import { tryParseJson } from '../try-parse-json.js';
import { answerOf, boundedRequest } from './bounded-request.js';
import type { DocumentTransport } from './transport.js';

const discovered = new WeakMap<Provider, Promise<ProviderEndpoints>>();

/**
 * Fetch the document `step` names, bounded in time and size, and return what it reads into: the result, or what the
 * next step's document reads into. The steps say what each answer means (see {@link DiscoveryStep}); they are a short
 * chain written in this package (one document for OpenID discovery, at most three for RFC 9728), whose length no answer
 * can change: a document only chooses between the next steps its reader has, never adds one.
 */
export async function fetchDiscovery<T>(step: DiscoveryStep<T>, transport: DocumentTransport): Promise<T> {
	const { url, what, read } = step;
	const outcome = await boundedRequest(url, { headers: { accept: 'application/json' } }, transport, undefined);
	const { response, bodyText } = answerOf(outcome, what, url);
	// An error answer holds no document: the step says what that means, with the status.
	const next = read(response.ok ? tryParseJson(bodyText) : undefined, response.status);
	return (next as Partial<DiscoveryStep<T>>).read ? fetchDiscovery(next as DiscoveryStep<T>, transport) : (next as T);
}

/**
 * The provider's endpoints: as configured, or discovered once (from its `issuer`, or from its `resource`'s metadata)
 * and cached. The provider brings the steps of its discovery (see `discovery-document.ts`, `resource-metadata.ts`):
 * this layer only fetches. A failed discovery is not cached, so the next call tries again.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function resolveEndpoints(provider: Provider, transport: DocumentTransport, signal?: AbortSignal): Promise<ProviderEndpoints> {
	if (provider.endpoints) return Promise.resolve(provider.endpoints);
	const discovery = discoveryOf(provider);
	if (!discovery) {
		return Promise.reject(invalidOption('issuer', 'set, or `endpoints`', provider.issuer));
	}
	let pending = discovered.get(provider);
	if (!pending) {
		// Shared by every caller, so no caller's signal: the transport's timeout bounds each request.
		pending = fetchDiscovery(discovery, transport);
		discovered.set(provider, pending);
		pending.catch(() => discovered.delete(provider));
	}
	return abortable(pending, signal);
}
