import { once } from '../../once.js';
import type { TokenStore } from '../store.js';
import type { IndexedDbKit, IndexedDbStoreOptions } from './indexed-db-store.js';

/**
 * The IndexedDB store of `storage: 'local'`, loaded with `import()` at the session's first read: apps that keep tokens
 * in `session` storage (the default) never load it. tsup.config.ts makes it a file of its own, which a bundler that
 * splits on `import()` ships as a chunk; what it uses besides IndexedDB comes from the app's bundle (`kit`), not as
 * copies. A load that fails fails that call, which the session reports as a store failure; the next call loads again.
 */
export function indexedDbOnDemand(kit: IndexedDbKit, options: IndexedDbStoreOptions): Required<TokenStore> {
	const loaded = once(() => import('./indexed-db-store.js').then((module) => module.indexedDbStore(kit, options)));
	const method =
		<Name extends keyof TokenStore>(name: Name) =>
		(...args: unknown[]) =>
			loaded().then((store) => (store[name] as (...args: unknown[]) => unknown)(...args));
	return {
		get: method('get'),
		set: method('set'),
		delete: method('delete'),
		compareAndSet: method('compareAndSet'),
		withLock: method('withLock'),
	} as Required<TokenStore>;
}
