import type { SessionDpopContext } from './session-dpop.js';
import type { SessionDpop } from './types.js';

/**
 * A session's DPoP, loaded when the session asks for it: a dynamic import, so that a bundler splitting on
 * `import()` (Vite, Rollup, webpack, esbuild with `splitting`) leaves DPoP out of the bundles of apps that never set
 * `dpop`. A failure to load or to make the key is what every request then fails with.
 */
export function loadSessionDpop(context: SessionDpopContext): Promise<SessionDpop> {
	const loading = import('./session-dpop.js').then((module) => module.createSessionDpop(context));
	// Nobody may be waiting yet: the first request reports the failure.
	loading.catch(() => undefined);
	return loading;
}
