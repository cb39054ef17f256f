import {
	IdTokenError,
	InvalidOptionError,
	isTokenkeeperError,
	LoginRequiredError,
	NetworkError,
	PopupError,
	TokenResponseError,
} from './errors.js';

// The classes of the errors the chunks loaded on demand throw themselves (the login's, the popup's, OpenID Connect's),
// under their `name`. The rest of what a chunk rejects with comes from this bundle already (loginKit, the session).
const classes: Readonly<Record<string, { readonly prototype: object }>> = {
	IdTokenError,
	InvalidOptionError,
	LoginRequiredError,
	NetworkError,
	PopupError,
	TokenResponseError,
};

/**
 * What the promise of a chunk loaded on demand is caught with: it rethrows the chunk's errors as instances of this
 * bundle's classes. In browsers and in Node's builds alike, such a chunk is a file of its own with its own copy of the
 * error classes it throws, and an app's `instanceof IdTokenError` compares with the copy the app imported. Only the
 * prototype changes, so the stack, `code`, fields such as `check` and the `cause` stay as thrown.
 */
export function rethrowAsOwn(error: unknown): never {
	const own = isTokenkeeperError(error) ? classes[error.name] : undefined;
	if (own && Object.getPrototypeOf(error) !== own.prototype) Object.setPrototypeOf(error, own.prototype);
	throw error;
}
