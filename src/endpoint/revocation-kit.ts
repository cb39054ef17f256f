import { TokenkeeperError } from '../errors.js';
import { answerOf, boundedRequest } from './bounded-request.js';
import { resolveEndpoints } from './discovery.js';
import { toRawResponse } from './raw-response.js';
import { buildTokenRequest } from './token-request.js';
import { processErrorResponse } from './token-response.js';

/**
 * What the revocation chunk (revocation.ts) sends and fails with, handed to it by the bundle that loads it: the chunk
 * is a file of its own in browsers, so it copies none of the token requests' code (nor zod, which the error response
 * is read with), and the errors a logout returns are this bundle's classes (an app's `instanceof OAuthError` holds).
 */
export const revocationKit = {
	TokenkeeperError,
	answerOf,
	boundedRequest,
	resolveEndpoints,
	toRawResponse,
	buildTokenRequest,
	processErrorResponse,
};

export type RevocationKit = typeof revocationKit;
