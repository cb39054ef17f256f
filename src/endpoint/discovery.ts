import { abortable } from '../abortable.js';
import { invalidOption } from '../options.js';
import { discoveryReaderOf, type DiscoveryReader, type Provider, type ProviderEndpoints } from '../provider.js';
import { tryParseJson } from '../try-parse-json.js';
import { answerOf, boundedRequest } from './bounded-request.js';
import type { Transport } from './transport.js';

const discovered = new WeakMap<Provider, Promise<ProviderEndpoints>>();

async function discover(issuer: string, read: DiscoveryReader, transport: Transport): Promise<ProviderEndpoints> {
	const url = `${issuer}/.well-known/openid-configuration`;
	const outcome = await boundedRequest(url, { headers: { accept: 'application/json' } }, transport, undefined);
	const { response, bodyText } = answerOf(outcome, 'OpenID discovery endpoint', url);
	// An error answer holds no configuration: the reader says so, with the status.
	return read(response.ok ? tryParseJson(bodyText) : undefined, { issuer, url, status: response.status });
}

/**
 * The provider's endpoints: as configured, or discovered once from `issuer` and cached. The provider brings the reader
 * of its discovery document (see `discovery-document.ts`): this layer only fetches it.
 * A failed discovery is not cached, so the next call tries again.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function resolveEndpoints(provider: Provider, transport: Transport, signal?: AbortSignal): Promise<ProviderEndpoints> {
	if (provider.endpoints) return Promise.resolve(provider.endpoints);
	const { issuer } = provider;
	const read = discoveryReaderOf(provider);
	if (!issuer || !read) {
		return Promise.reject(invalidOption('issuer', 'set, or `endpoints`', issuer));
	}
	let pending = discovered.get(provider);
	if (!pending) {
		// Shared by every caller, so no caller's signal: the transport's timeout bounds it.
		pending = discover(issuer, read, transport);
		discovered.set(provider, pending);
		pending.catch(() => discovered.delete(provider));
	}
	return abortable(pending, signal);
}
