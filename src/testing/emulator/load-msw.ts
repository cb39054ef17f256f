import { loadPackage, type OptionalPackage } from '../../optional-package.js';

/**
 * msw, loaded with `tokenkeeper/testing`, or why it could not be: `createEmulator()` needs nothing of it, and
 * `providerHandlers()` says what to install. The CJS build has a twin of this file, `load-msw.cjs.ts`, since CJS
 * cannot await at the top level of a module.
 */
export const msw: OptionalPackage<typeof import('msw')> = await loadPackage(() => import('msw'));
