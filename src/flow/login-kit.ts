import { AuthorizationResponseError } from '../errors.js';
import { invalidOption, requireUrls } from '../options.js';

/**
 * What the login chunk (login-steps.ts) throws with, handed to it by the bundle that loads it: the chunk is a file of its
 * own in browsers, and its errors must be this bundle's classes, so that an app's `instanceof AuthorizationResponseError`
 * (an `access_denied` at the callback, the commonest error to handle) holds.
 */
export const loginKit = { AuthorizationResponseError, invalidOption, requireUrls };

export type LoginKit = typeof loginKit;
