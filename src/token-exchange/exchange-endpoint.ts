import type { ClientAuthMethod } from '../client-auth/method.js';
import { loadSessionDpop } from '../dpop/load.js';
import type { DpopOption } from '../dpop/types.js';
import { createTokenEndpoint, type TokenEndpoint, type TransportOptions } from '../endpoint/index.js';
import { globalFetch } from '../global-fetch.js';
import type { Provider } from '../provider.js';

/**
 * The token endpoint of a token exchange, sending as a session does (manager.ts): the client's assertion added as
 * each request leaves (`clientAuth`), beneath DPoP's proofs when `dpop` is set, so an exchanged token is bound to the
 * key. `sessionKey` names the DPoP key's place; an exchange keeps its key in memory.
 */
export function createExchangeEndpoint(provider: Provider, options: TransportOptions, dpop: DpopOption | undefined): TokenEndpoint {
	const base = options.fetch ?? globalFetch;
	const send =
		(provider.clientAuth as Partial<ClientAuthMethod>).authenticate?.(base, {
			provider,
			endpoints: () => endpoint.endpoints(),
			now: () => endpoint.now(),
		}) ?? base;
	const session =
		dpop === undefined
			? undefined
			: loadSessionDpop({
					option: dpop,
					fetch: send,
					now: () => endpoint.now(),
					onDowngrade: () => undefined,
					sessionKey: 'token-exchange',
				});
	const endpoint: TokenEndpoint = session
		? createTokenEndpoint(
				provider,
				{ ...options, fetch: (input, init) => session.then((dpopSession) => dpopSession.tokenFetch(input, init)) },
				true,
			)
		: createTokenEndpoint(provider, { ...options, fetch: send });
	return endpoint;
}
