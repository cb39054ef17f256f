import type { AttemptStorage } from '../key-value-storage.js';
import type { SessionOptions } from '../session.js';

/** Options of `createAuthorizationCodeFlow`. */
export interface AuthorizationCodeFlowOptions extends SessionOptions {
	/**
	 * Where login attempts (state, PKCE verifier) live until the callback. Default `sessionStorage`; when it is full,
	 * `localStorage` (the attempt is removed at the callback); then this page's memory. On a server: a storage of the
	 * user's own session (Redis, files), whose methods may return promises, so that the attempt never leaves the server.
	 */
	readonly attemptStorage?: AttemptStorage | undefined;
	/** How long a login attempt may take, from the redirect to the callback, in ms. Default 10 minutes. */
	readonly attemptTtl?: number | undefined;
}
