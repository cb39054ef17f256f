/**
 * The browser twin of revocation-deps.ts: the revocation chunk's dependencies, forwarded to those of the bundle that loads
 * it (`useRevocationKit`, by `revokeTokenSet` as it starts), so that the chunk copies none of the token requests' code (nor
 * zod), and the errors a logout returns are the app's own classes (`instanceof OAuthError` holds).
 */
import type { TokenkeeperError as TokenkeeperErrorClass } from '../errors.js';
import type { RevocationKit } from './revocation-kit.js';

let kit: RevocationKit;

/** Hand the chunk the loading bundle's code. */
export function useRevocationKit(given: RevocationKit | undefined): void {
	kit = given as RevocationKit;
}

export const answerOf: RevocationKit['answerOf'] = (...args) => kit.answerOf(...args);
export const boundedRequest: RevocationKit['boundedRequest'] = (...args) => kit.boundedRequest(...args);
export const resolveEndpoints: RevocationKit['resolveEndpoints'] = (...args) => kit.resolveEndpoints(...args);
export const toRawResponse: RevocationKit['toRawResponse'] = (...args) => kit.toRawResponse(...args);
export const buildTokenRequest: RevocationKit['buildTokenRequest'] = (...args) => kit.buildTokenRequest(...args);
export const processErrorResponse: RevocationKit['processErrorResponse'] = (...args) => kit.processErrorResponse(...args);
// A constructor that answers with the bundle's own error: `new TokenkeeperError(…)` in revocation.ts gets that object.
export const TokenkeeperError = function (this: unknown, ...args: ConstructorParameters<typeof TokenkeeperErrorClass>) {
	return new kit.TokenkeeperError(...args);
} as unknown as typeof TokenkeeperErrorClass;
