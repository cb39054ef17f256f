import { AuthorizationResponseError } from '../errors.js';
import { processErrorResponse } from '../endpoint/token-response.js';
import { zodKit } from '../oidc/zod-kit.js';
import { invalidOption, requireUrls } from '../options.js';

/**
 * What the login chunk (login-steps.ts) throws with, handed to it by the bundle that loads it: the chunk is a file of its
 * own in browsers, and its errors must be this bundle's classes, so that an app's `instanceof AuthorizationResponseError`
 * (an `access_denied` at the callback, the commonest error to handle) holds. `zod` and `processErrorResponse`: what a
 * pushed request's answer is read with (see `PushedAuthorizationKit`), so that the chunk carries no zod of its own.
 */
export const loginKit = { AuthorizationResponseError, invalidOption, requireUrls, zod: zodKit, processErrorResponse };

export type LoginKit = typeof loginKit;
