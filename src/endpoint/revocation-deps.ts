/**
 * What revocation.ts sends and fails with: the modules themselves. In the browser build, where revocation is a chunk of
 * its own, its twin (revocation-deps.browser.ts) takes them from the bundle that loads the chunk instead.
 */
import type { RevocationKit } from './revocation-kit.js';

export { TokenkeeperError } from '../errors.js';
export { answerOf, boundedRequest } from './bounded-request.js';
export { resolveEndpoints } from './discovery.js';
export { toRawResponse } from './raw-response.js';
export { buildTokenRequest } from './token-request.js';
export { processErrorResponse } from './token-response.js';

/** Nothing to do here: the modules above are the kit (see the browser twin). */
export function useRevocationKit(_kit: RevocationKit | undefined): void {}
