import { type OptionalPackage, requirePackage } from '../../optional-package.js';

/** `load-msw.ts` for the CJS build: `require()` instead of a top-level `await import()`. */
export const msw: OptionalPackage<typeof import('msw')> = requirePackage(() => require('msw'));
