import { loadPackage, type OptionalPackage } from '../optional-package.js';

/**
 * `@opentelemetry/api`, loaded with `tokenkeeper/otel`, or why it could not be: the module loads without it
 * (`DiagnosticsChannel` needs nothing), and `instrument()` says what to install. The CJS build has a twin of this
 * file, `load-api.cjs.ts`, since CJS cannot await at the top level of a module.
 */
export const openTelemetryApi: OptionalPackage<typeof import('@opentelemetry/api')> = await loadPackage(() => import('@opentelemetry/api'));
