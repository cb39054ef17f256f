import type { TokenkeeperError } from '../errors.js';
import type { Provider } from '../provider.js';
import type { TokenSet } from '../token-set.js';
import { revokeTokenSet } from './revocation.js';
import { revocationKit } from './revocation-kit.js';
import type { Transport } from './transport.js';

/**
 * Revoke a session's tokens (see {@link revokeTokenSet}). Here, with the module imported as any other: a backend's
 * bundle would otherwise carry a bundler's wrappers for a module loaded on demand. Browsers have a twin that loads it
 * with `import()` (revoke.browser.ts).
 */
export function revoke(provider: Provider, tokenSet: TokenSet, transport: Transport): Promise<TokenkeeperError[]> {
	return revokeTokenSet(provider, tokenSet, transport, revocationKit);
}
