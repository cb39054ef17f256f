import { createMemoryStore } from './memory.js';
import { createSessionMemoryStore } from './session-memory.js';
import type { TokenStore } from './store.js';

/** Replaced by `true` in the browser build (tsup `define`), so bundlers drop lru-cache from browser bundles. */
declare const __TOKENKEEPER_BROWSER__: boolean | undefined;

/**
 * Each manager gets its own store unless one is passed: sharing one by default would let two managers with
 * the same client id but different secrets (or users) see each other's tokens. On servers it is the bounded
 * lru-cache store (pass it around to share); in the browser build a plain Map, since a tab holds one session.
 */
export function defaultStore(): TokenStore {
	if (typeof __TOKENKEEPER_BROWSER__ !== 'undefined' && __TOKENKEEPER_BROWSER__) return createSessionMemoryStore();
	return createMemoryStore({ max: 16 });
}
