/**
 * The IndexedDB store of `storage: 'local'`, made with the helpers it is handed. Here (Node, Deno, Bun, workerd) it is
 * imported as any module; the browser build's twin (indexed-db-on-demand.browser.ts) loads it at its first use.
 */
export { indexedDbStore as indexedDbOnDemand } from './indexed-db-store.js';
