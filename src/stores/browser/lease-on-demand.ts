/**
 * The storage lease of the cross-tab lock, for where Web Locks are missing. Here (Node, Deno, Bun, workerd) it is
 * imported as any module; the browser build's twin (lease-on-demand.browser.ts) loads it at its first use.
 */
export { createLeaseLock as leaseOnDemand } from './lease-lock.js';
