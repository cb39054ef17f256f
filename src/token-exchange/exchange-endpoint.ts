import { createSessionEndpoint } from '../session-endpoint.js';
import type { DpopOption } from '../dpop/types.js';
import type { TokenEndpoint, TransportOptions } from '../endpoint/index.js';
import type { Provider } from '../provider.js';

/**
 * The token endpoint of a token exchange, sending as a session does (manager.ts): the client's assertion added as
 * each request leaves (`clientAuth`), beneath DPoP's proofs when `dpop` is set, so an exchanged token is bound to the
 * key. `sessionKey` names the DPoP key's place; an exchange keeps its key in memory.
 */
export function createExchangeEndpoint(provider: Provider, options: TransportOptions, dpop: DpopOption | undefined): TokenEndpoint {
	return createSessionEndpoint(
		provider,
		options,
		dpop === undefined ? undefined : { option: dpop, onDowngrade: () => undefined, sessionKey: 'token-exchange' },
	).endpoint;
}
