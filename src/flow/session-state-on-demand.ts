import { once } from '../once.js';
import type { TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import type { SessionSnapshot, SessionState } from './session-state.js';

/** The snapshot before the session has been read: also what a server renders. */
const LOADING: SessionSnapshot = /* @__PURE__ */ Object.freeze({ status: 'loading' });

/**
 * A flow's session state, loaded with `import()` at the first subscription or login, as the login's steps are: an SPA
 * that follows no session carries only this shell, which answers `loading` until then. The state, once loaded, writes
 * each new snapshot here (`show`), so the shell keeps no object of its own. A login is tracked once the state has loaded
 * (its promise is the same either way); if the state cannot load, the login goes on untracked.
 */
export function sessionStateOnDemand(manager: TokenManager, entry: () => Promise<TokenSet | undefined>): SessionState {
	let snapshot = LOADING;
	const load = once(() =>
		import('./session-state.js').then((module) =>
			module.createSessionState(manager, entry, LOADING, (next) => {
				snapshot = next;
			}),
		),
	);
	return {
		// Shaped as the tabs' channel's `on` (session-channel-on-demand.ts): the same bytes compress to little.
		subscribe(listener) {
			let off: (() => void) | undefined;
			let gone = false;
			// A change while the state loaded was told to nobody: this listener hears of it here, and only of it.
			const seen = snapshot;
			void load().then((loaded) => {
				if (gone) return;
				off = loaded.subscribe(listener);
				if (snapshot !== seen) listener();
			});
			return () => {
				gone = true;
				off?.();
			};
		},
		getSnapshot: () => snapshot,
		track(login, callback) {
			// Handled now, not when the state has loaded: a login that fails first must not be an unhandled rejection. The
			// caller still gets the failure, through the promise returned.
			login.catch(() => undefined);
			return load().then(
				(loaded) => loaded.track(login, callback),
				() => login,
			);
		},
	};
}
