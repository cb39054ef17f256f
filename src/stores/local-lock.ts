/**
 * A lock per name within this JavaScript realm: callers of the same name run one after another, in order.
 * Used by the in-memory store and, inside a tab, before the cross-tab lock.
 */
export function createLocalLock() {
	const tails = new Map<string, Promise<unknown>>();
	return async function withLocalLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
		const previous = tails.get(name) ?? Promise.resolve();
		const run = previous.then(fn, fn);
		const tail = run.then(
			() => undefined,
			() => undefined,
		);
		tails.set(name, tail);
		try {
			return await run;
		} finally {
			if (tails.get(name) === tail) tails.delete(name);
		}
	};
}
