/**
 * Revoke a session's tokens (see `revokeTokenSet`): here the module imported as any other, since a backend's bundle would
 * otherwise carry a bundler's wrappers for a module loaded on demand. Browsers have a twin that loads it with `import()`
 * (revoke.browser.ts).
 */
export { revokeTokenSet as revoke } from './revocation.js';
