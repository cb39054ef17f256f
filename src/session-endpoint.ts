import { loadSessionDpop } from './dpop/load.js';
import type { SessionDpopContext } from './dpop/session-dpop.js';
import type { SessionDpop } from './dpop/types.js';
import { createTokenEndpoint, type TokenEndpoint, type TransportOptions } from './endpoint/index.js';
import { globalFetch } from './global-fetch.js';
import type { ClientAuthMethod, Provider } from './provider.js';

/**
 * The token endpoint a session sends through, and its DPoP when `dpop` says how: a client that proves itself on each
 * request (`clientAuth`: privateKeyJwt) does so as each request leaves, beneath DPoP, whose nonce retry must carry a
 * new assertion too; DPoP adds its proofs above. Shared by the token manager and the token exchange.
 */
export function createSessionEndpoint(
	provider: Provider,
	options: TransportOptions,
	dpop: Omit<SessionDpopContext, 'fetch' | 'now'> | undefined,
): { readonly endpoint: TokenEndpoint; readonly dpop: Promise<SessionDpop> | undefined } {
	const base = options.fetch ?? globalFetch;
	const now = () => endpoint.now();
	const send =
		(provider.clientAuth as Partial<ClientAuthMethod>).authenticate?.(base, { provider, endpoints: () => endpoint.endpoints(), now }) ??
		base;
	const session = dpop && loadSessionDpop({ ...dpop, fetch: send, now });
	const endpoint: TokenEndpoint = session
		? createTokenEndpoint(provider, { ...options, fetch: (input, init) => session.then((loaded) => loaded.tokenFetch(input, init)) }, true)
		: createTokenEndpoint(provider, { ...options, fetch: send });
	return { endpoint, dpop: session };
}
