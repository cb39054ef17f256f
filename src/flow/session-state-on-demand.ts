import { once } from '../once.js';
import type { TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import type { SessionSnapshot, SessionState } from './session-state.js';

/** The snapshot before the session has been read: also what a server renders. */
const LOADING: SessionSnapshot = /* @__PURE__ */ Object.freeze({ status: 'loading' });

/**
 * A flow's session state, loaded with `import()` at the first subscription or login, as the login's steps are: an SPA
 * that follows no session carries only this shell, which answers `loading` until then. A login is tracked once the
 * state has loaded (its promise is the same either way); if the state cannot load, the login goes on untracked.
 */
export function sessionStateOnDemand(manager: TokenManager, entry: () => Promise<TokenSet | undefined>): SessionState {
	let state: SessionState | undefined;
	const load = once(() => import('./session-state.js').then((module) => (state = module.createSessionState(manager, entry, LOADING))));
	return {
		subscribe(listener) {
			let unsubscribe: (() => void) | undefined;
			let gone = false;
			void load().then((loaded) => {
				if (gone) return;
				unsubscribe = loaded.subscribe(listener);
				listener();
			});
			return () => {
				gone = true;
				unsubscribe?.();
			};
		},
		getSnapshot: () => state?.getSnapshot() ?? LOADING,
		track: (login, callback) =>
			load().then(
				(loaded) => loaded.track(login, callback),
				() => login,
			),
	};
}
