import { once } from '../../once.js';
import type { LeaseLockOptions, WithLease } from './lease-lock.js';

/**
 * The storage lease, loaded with `import()` at its first use: only browsers without Web Locks (an old one, a page
 * served over plain HTTP) need it, and tsup.config.ts makes it a file of its own, which a bundler that splits on
 * `import()` ships as a chunk. A load that fails fails that lock's caller; the next one loads again.
 */
export function leaseOnDemand(options: LeaseLockOptions): WithLease {
	const loaded = once(() => import('./lease-lock.js').then((module) => module.createLeaseLock(options)));
	return (name, fn, signal, ttl) => loaded().then((withLease) => withLease(name, fn, signal, ttl));
}
