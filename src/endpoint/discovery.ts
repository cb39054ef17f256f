import * as z from 'zod/mini';
import { abortable } from '../abortable.js';
import { NetworkError, TokenResponseError } from '../errors.js';
import type { Provider, ProviderEndpoints } from '../provider.js';
import { tryParseJson } from '../try-parse-json.js';
import { boundedRequest, responseTooLarge } from './bounded-request.js';
import type { Transport } from './transport.js';

/**
 * An absolute URL, judged as `requireUrl` judges options: by the platform's own parser (zod's `z.url()` would bring
 * a second, heavier opinion into every browser bundle).
 */
const AbsoluteUrl = z.string().check(z.refine((value) => URL.canParse(value)));

/** The fields of an OpenID Provider Configuration document that tokenkeeper uses. */
const DiscoveryDocumentSchema = z.object({
	issuer: z.string(),
	token_endpoint: AbsoluteUrl,
	authorization_endpoint: z.optional(AbsoluteUrl),
	revocation_endpoint: z.optional(AbsoluteUrl),
	device_authorization_endpoint: z.optional(AbsoluteUrl),
});

const discovered = new WeakMap<Provider, Promise<ProviderEndpoints>>();

async function discover(issuer: string, transport: Transport, signal: AbortSignal | undefined): Promise<ProviderEndpoints> {
	const url = `${issuer}/.well-known/openid-configuration`;
	const outcome = await boundedRequest(url, { headers: { accept: 'application/json' } }, transport, signal);
	if (outcome.kind === 'too-large') throw responseTooLarge('OpenID discovery endpoint', url, outcome.response);
	if (outcome.kind !== 'response') {
		throw new NetworkError(`OpenID discovery at ${url} failed (${outcome.kind}). Check \`issuer\` and the network.`, {
			attempts: 1,
			timeout: outcome.kind === 'timeout',
		});
	}
	const { response } = outcome;
	const parsed = DiscoveryDocumentSchema.safeParse(tryParseJson(outcome.bodyText));
	if (!response.ok || !parsed.success) {
		throw new TokenResponseError(
			`OpenID discovery at ${url} answered ${response.status} without a usable configuration. Check \`issuer\`, or pass \`tokenEndpoint\`.`,
			{ status: response.status },
		);
	}
	// OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was fetched for.
	if (parsed.data.issuer.replace(/\/+$/, '') !== issuer) {
		throw new TokenResponseError(`OpenID discovery at ${url} names another issuer ("${parsed.data.issuer}"). Check \`issuer\`.`, {
			status: response.status,
		});
	}
	return {
		token: parsed.data.token_endpoint,
		authorization: parsed.data.authorization_endpoint,
		revocation: parsed.data.revocation_endpoint,
		deviceAuthorization: parsed.data.device_authorization_endpoint,
	};
}

/**
 * The provider's endpoints: as configured, or discovered once from `issuer` and cached.
 * A failed discovery is not cached, so the next call tries again.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function resolveEndpoints(provider: Provider, transport: Transport, signal?: AbortSignal): Promise<ProviderEndpoints> {
	if (provider.endpoints) return Promise.resolve(provider.endpoints);
	const issuer = provider.issuer;
	if (!issuer) return Promise.reject(new TypeError(`Provider ${provider.name} has neither endpoints nor an issuer`));
	let pending = discovered.get(provider);
	if (!pending) {
		// Shared by every caller, so no caller's signal: the transport's timeout bounds it.
		pending = discover(issuer, transport, undefined);
		discovered.set(provider, pending);
		pending.catch(() => discovered.delete(provider));
	}
	return abortable(pending, signal);
}
