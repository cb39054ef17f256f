import { type OptionalPackage, requirePackage } from '../optional-package.js';

/** `load-api.ts` for the CJS build: `require()` instead of a top-level `await import()`. */
export const openTelemetryApi: OptionalPackage<typeof import('@opentelemetry/api')> = requirePackage(() => require('@opentelemetry/api'));
