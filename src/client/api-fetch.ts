import type { ClientAuthMethod } from '../client-auth/method.js';
import { globalFetch } from '../global-fetch.js';
import type { TokenManager } from '../token-manager.js';

/**
 * The fetch that sends a client's API calls: the one it was given, else the session's client authentication's when it
 * has one (`tlsClientAuth()`: tokens bound to the client's certificate must be presented with it, RFC 8705 3), else
 * the global one. The browser build has a twin without the middle one: no browser bundle has `tlsClientAuth()`.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function apiFetchOf(manager: TokenManager, given: typeof fetch | undefined): typeof fetch {
	return given ?? (manager.provider.clientAuth as Partial<ClientAuthMethod>).fetch ?? globalFetch;
}
