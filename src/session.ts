import { createManagedSession } from './manager.js';
import type { SessionSeam, TokenManager, TokenManagerOptions } from './token-manager.js';
import type { Provider } from './provider.js';
import { storeForKind, type TokenStorageKind } from './stores/browser/storage-kind.js';

export type { TokenStorageKind };

/** A login flow's session options: the manager's, plus where tokens live when no `store` is given. */
export interface SessionOptions extends TokenManagerOptions {
	/** Where tokens live, unless `store` is given. Default `session`. */
	readonly storage?: TokenStorageKind | undefined;
}

/**
 * The session a login flow works on: its manager, and the seam through which the flow hands it grants. The store
 * is chosen here, by kind, so that a flow never picks or touches one itself.
 */
export function openSession(provider: Provider, options: SessionOptions = {}): { manager: TokenManager; seam: SessionSeam } {
	// A store that falls back to this tab's memory says so through the manager's `error` event.
	let seam: SessionSeam | undefined;
	const store = options.store ?? storeForKind(options.storage ?? 'session', ({ error }) => seam?.reportStoreFailure(error));
	// A key tokenkeeper makes for DPoP is kept as the tokens are (with a store of your own: in memory).
	const session = createManagedSession(provider, { ...options, store }, options.store ? 'memory' : (options.storage ?? 'session'));
	seam = session.seam;
	return session;
}
