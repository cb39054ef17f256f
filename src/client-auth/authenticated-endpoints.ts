import type { MtlsEndpointAliases, ProviderEndpoints } from '../provider-endpoints.js';

/**
 * The server's endpoints whose requests authenticate the client (RFC 6749 2.3; RFC 7009 2.1; RFC 8628 3.1; RFC 9126
 * 2), each mapped to where its requests go: its mTLS alias when the server names one (RFC 8705 5), else itself. The
 * one list every `clientAuth` method (an assertion, a certificate) adds itself to.
 */
export function authenticatedEndpoints(endpoints: ProviderEndpoints): ReadonlyMap<string, string> {
	const aliases: MtlsEndpointAliases = endpoints.mtlsAliases ?? {};
	const routes = new Map<string, string>();
	const route = (url: string | undefined, alias: string | undefined) => {
		if (url !== undefined && !routes.has(url)) routes.set(url, alias ?? url);
	};
	route(endpoints.token, aliases.token);
	route(endpoints.refresh, endpoints.refresh === endpoints.token ? aliases.token : undefined);
	route(endpoints.revocation, aliases.revocation);
	route(endpoints.deviceAuthorization, aliases.deviceAuthorization);
	route(endpoints.pushedAuthorization, aliases.pushedAuthorization);
	return routes;
}
