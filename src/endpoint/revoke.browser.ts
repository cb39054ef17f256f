import type { TokenkeeperError } from '../errors.js';
import { once } from '../once.js';
import type { Provider } from '../provider.js';
import type { TokenSet } from '../token-set.js';
import { revocationKit } from './revocation-kit.js';
import type { Transport } from './transport.js';

// Loaded with `import()` at the first logout (a chunk of its own: a page that calls APIs with the session never revokes).
const loadRevocation = /* @__PURE__ */ once(() => import('./revocation.js'));

/**
 * Revoke a session's tokens (see `revokeTokenSet`). A revocation that cannot load fails as one that cannot reach the
 * provider: with its error, never thrown.
 */
export function revoke(provider: Provider, tokenSet: TokenSet, transport: Transport): Promise<TokenkeeperError[]> {
	return loadRevocation().then(
		(module) => module.revokeTokenSet(provider, tokenSet, transport, revocationKit),
		(error: unknown) => [error as TokenkeeperError],
	);
}
