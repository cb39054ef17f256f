import { createManagedSession } from './manager.js';
import { sessionChannelOnDemand } from './session-channel-on-demand.js';
import type { SessionSeam, TokenCheck, TokenManager, TokenManagerOptions } from './token-manager.js';
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
 * is chosen here, by kind, so that a flow never picks or touches one itself. `check`: the flow's check of every token
 * response (its ID token). With `storage: 'local'`, the session's tabs tell each other of logins and logouts.
 */
export function openSession(
	provider: Provider,
	options: SessionOptions = {},
	check?: (provider: Provider, seam: SessionSeam) => TokenCheck,
): { manager: TokenManager; seam: SessionSeam } {
	// A store that falls back to this tab's memory says so through the manager's `error` event.
	let seam: SessionSeam | undefined;
	const store = options.store ?? storeForKind(options.storage ?? 'session', ({ error }) => seam?.reportStoreFailure(error));
	// A key tokenkeeper makes for DPoP is kept as the tokens are (with a store of your own: in memory).
	const place = options.store ? 'memory' : (options.storage ?? 'session');
	const session = createManagedSession(
		provider,
		{ ...options, store },
		{
			dpopKeyPlace: place,
			// The seam exists once the session does; the check runs only on token responses, after that.
			check: check && ((obtained, context) => check(provider, seam as SessionSeam)(obtained, context)),
			// Tabs are documents: a runtime without one (Node, Deno, Bun, a worker) has no tab to tell, and an open
			// BroadcastChannel would keep its process alive (Deno's does).
			tabs: place === 'local' && typeof document === 'object' ? sessionChannelOnDemand() : undefined,
		},
	);
	seam = session.seam;
	return session;
}
