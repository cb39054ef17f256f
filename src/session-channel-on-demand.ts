import type { SessionChannel } from './session-channel.js';

/**
 * The session's channel to its other tabs (`storage: 'local'`), loaded with `import()`, as the IndexedDB store it goes
 * with is: an SPA that keeps its session in one tab does not carry it. Posts and listeners wait for it; where it cannot
 * load or exists not (no BroadcastChannel, no storage events), tabs are not told, as before.
 */
export function sessionChannelOnDemand(): SessionChannel {
	const channel = import('./session-channel.js').then((module) => module.createSessionChannel()).catch(() => undefined);
	return {
		post: (message) => void channel.then((loaded) => loaded?.post(message)),
		on(listener) {
			let off: (() => void) | undefined;
			let gone = false;
			void channel.then((loaded) => {
				if (!gone) off = loaded?.on(listener);
			});
			return () => {
				gone = true;
				off?.();
			};
		},
		close: () => void channel.then((loaded) => loaded?.close()),
	};
}
