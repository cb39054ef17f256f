import { createMemoryStore } from './memory.js';
import type { TokenStore } from './store.js';

/**
 * Each manager gets its own store unless one is passed: sharing one by default would let two managers with
 * the same client id but different secrets (or users) see each other's tokens. On Node this is the bounded
 * lru-cache store; the browser build swaps in a Map with the same contract (see tsup.config.ts).
 */
export function defaultStore(): TokenStore {
	return createMemoryStore({ max: 16 });
}
