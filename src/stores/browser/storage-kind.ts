import type { StoreError } from '../../errors.js';
import { invalidOption } from '../../options.js';
import { browserStorage } from '../../key-value-storage.js';
import { defaultStore } from '../default-store.js';
import type { TokenStore } from '../store.js';
import { indexedDbKit } from './indexed-db.js';
import { indexedDbOnDemand } from './indexed-db-on-demand.js';
import { createWebStorageStore } from './web-storage.js';

/**
 * Where a login flow keeps tokens: `session` (sessionStorage: this tab only; the default in browsers),
 * `local` (IndexedDB: shared by every tab of the origin, rotation-safe across them, survives restarts),
 * `memory` (this page only; the default outside browsers).
 */
export type TokenStorageKind = 'session' | 'local' | 'memory';

/** The store for a {@link TokenStorageKind}, as this runtime can offer it. */
export function storeForKind(kind: TokenStorageKind, onFallback?: (event: { readonly error: StoreError }) => void): TokenStore {
	if (kind === 'memory') return defaultStore();
	if (kind === 'local') {
		// Shared by tabs: IndexedDB, whose reads after a lock hand-off see the other tab's rotation
		// (localStorage's cross-process copies may lag behind, which would reuse a rotated refresh token).
		// In browsers loaded at the session's first read (indexed-db-on-demand.browser.ts).
		if (typeof indexedDB !== 'undefined') return indexedDbOnDemand(indexedDbKit, { onFallback });
		const local = browserStorage('localStorage');
		// Refused where it is used, not where the flow is made: a server rendering the browser app (Next.js, Remix) makes
		// its flow and never asks it for a token.
		if (!local) {
			const refuse = () =>
				Promise.reject(invalidOption('storage', '"session" or "memory" here (no IndexedDB or localStorage)', kind, true));
			return { get: refuse, set: refuse, delete: refuse };
		}
		return createWebStorageStore({ storage: local });
	}
	const session = browserStorage('sessionStorage');
	return session ? createWebStorageStore({ storage: session, lockStorage: browserStorage('localStorage') ?? session }) : defaultStore();
}
