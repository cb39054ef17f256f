import * as z from 'zod/mini';
import { TokenResponseError } from './errors.js';
import type { ProviderEndpoints } from './provider-endpoints.js';
import { AbsoluteUrl, WireString } from './wire-fields.js';

/** The fields of an OpenID Provider Configuration document that tokenkeeper uses. */
const DiscoveryDocumentSchema = z.object({
	issuer: WireString,
	token_endpoint: AbsoluteUrl,
	authorization_endpoint: z.optional(AbsoluteUrl),
	revocation_endpoint: z.optional(AbsoluteUrl),
	device_authorization_endpoint: z.optional(AbsoluteUrl),
});

/** Where a discovery document came from: what it must name, and what messages say. */
export interface DiscoverySource {
	/** The issuer it was fetched for, without trailing slashes. */
	readonly issuer: string;
	readonly url: string;
	readonly status: number;
}

/**
 * The endpoints an OpenID Provider Configuration document names, or a {@link TokenResponseError} saying why it is
 * unusable. Pure: the endpoint layer fetches the document, this reads it. Providers that discover bring it with them
 * (`oauth2({ issuer })`, `defineProvider()` without endpoints), so an app whose provider has fixed endpoints never
 * bundles it.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function readDiscoveryDocument(document: unknown, source: DiscoverySource): ProviderEndpoints {
	const { issuer, url, status } = source;
	const parsed = DiscoveryDocumentSchema.safeParse(document);
	if (!parsed.success) {
		throw new TokenResponseError(
			`OpenID discovery at ${url} answered ${status} without a usable configuration. Check \`issuer\`, or pass \`tokenEndpoint\`.`,
			{ status },
		);
	}
	// OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was fetched for.
	if (parsed.data.issuer.replace(/\/+$/, '') !== issuer) {
		throw new TokenResponseError(`OpenID discovery at ${url} names another issuer ("${parsed.data.issuer}"). Check \`issuer\`.`, {
			status,
		});
	}
	return {
		token: parsed.data.token_endpoint,
		authorization: parsed.data.authorization_endpoint,
		revocation: parsed.data.revocation_endpoint,
		deviceAuthorization: parsed.data.device_authorization_endpoint,
	};
}
