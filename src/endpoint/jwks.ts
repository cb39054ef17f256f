import { TokenResponseError } from '../errors.js';
import type { EndpointStep } from './index.js';
import { fetchDiscovery } from './discovery.js';

/**
 * The issuer's JWKS document (OpenID Connect Core 10.1), fetched as discovery documents are: bounded in time and size,
 * with the session's transport. What the keys are worth is the ID token checker's to say.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata (`jwks_uri`)
 */
export function fetchJwks(url: string): EndpointStep<unknown> {
	return async (_provider, transport) => {
		const { document } = await fetchDiscovery(
			{
				url,
				what: 'JWKS endpoint',
				read: (found, status) => {
					if (found === undefined) {
						throw new TokenResponseError(`The JWKS endpoint at ${url} answered ${status} without keys: check the issuer.`, { status });
					}
					// Wrapped: a document is never taken for a next step, whatever fields it has.
					return { document: found };
				},
			},
			transport,
		);
		return document;
	};
}
