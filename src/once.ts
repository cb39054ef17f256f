/**
 * `load()` at the first call, its promise shared by every call after; after a failure, the next call loads again
 * (a module loaded with `import()` whose chunk could not be fetched once may come the next time).
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
	let loading: Promise<T> | undefined;
	return () =>
		(loading ??= load().catch((error: unknown) => {
			loading = undefined;
			throw error;
		}));
}
