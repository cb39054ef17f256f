/**
 * The global fetch, called through the global object: unbound, it throws "Illegal invocation" in browsers.
 * Looked up at each call, so a fetch installed later (msw, a polyfill) is the one used.
 */
export const globalFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);
