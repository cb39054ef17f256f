/**
 * Which kind of store a session uses, for the diagnostics channels (`memory`, `redis`, `file`, or `custom`). Kept
 * apart from probes.ts, which looks up Node modules when loaded: the stores that declare their kind need none of that.
 */

/**
 * Where tokenkeeper's own stores say what kind they are. A global symbol on the store, not a map in this module:
 * `tokenkeeper/redis` and `tokenkeeper/file` are bundles of their own, each with its own copy of this module.
 */
const STORE_KIND = Symbol.for('tokenkeeper.store-kind');

/** Declare the kind of one of tokenkeeper's stores (`memory`, `redis`, `file`), as the channels name it. */
export function markStoreKind(store: object, kind: string): void {
	// Non-enumerable: out of spreads, logs and serialisation.
	Object.defineProperty(store, STORE_KIND, { value: kind });
}

/** The kind a store declared, or `custom`. */
export function storeKindOf(store: object): string {
	const kind = (store as { [STORE_KIND]?: unknown })[STORE_KIND];
	return typeof kind === 'string' ? kind : 'custom';
}
