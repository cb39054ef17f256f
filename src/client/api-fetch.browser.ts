import { globalFetch } from '../global-fetch.js';
import type { TokenManager } from '../token-manager.js';

/** The browser build's {@link apiFetchOf}: the fetch given, else the global one (no `tlsClientAuth()` in browsers). */
export function apiFetchOf(_manager: TokenManager, given: typeof fetch | undefined): typeof fetch {
	return given ?? globalFetch;
}
