/**
 * Stable machine-readable codes carried by every tokenkeeper error.
 * Match on these (or on the guards below), not on messages.
 */
export const ErrorCode = {
	/** The token endpoint refused the request with an OAuth error (RFC 6749 5.2). */
	OAuth: 'ERR_OAUTH',
	/** The token endpoint answered "yes" in a broken way: not JSON, HTML, no `access_token`… */
	TokenResponse: 'ERR_TOKEN_RESPONSE',
	/** The token endpoint issued a token type tokenkeeper cannot use (DPoP, MAC…). */
	UnsupportedTokenType: 'ERR_UNSUPPORTED_TOKEN_TYPE',
	/** The token endpoint could not be reached, even after retries. */
	Network: 'ERR_NETWORK',
	/** The token endpoint did not answer within the timeout, even after retries. */
	Timeout: 'ERR_TIMEOUT',
	/** No token can be had without a person logging in (again). */
	LoginRequired: 'ERR_LOGIN_REQUIRED',
	/** The authorization response (the redirect back from the provider) is not acceptable. */
	AuthorizationResponse: 'ERR_AUTHORIZATION_RESPONSE',
	/** The API rejected the token and the request could not be sent again (its body was a stream). */
	NotReplayable: 'ERR_NOT_REPLAYABLE',
	/** `logout()` could not revoke: the provider has no revocation endpoint, so the tokens live until they expire. */
	RevocationUnsupported: 'ERR_REVOCATION_UNSUPPORTED',
	/** The session's lock could not be taken (another tab or process kept it too long). */
	Lock: 'ERR_LOCK',
	/** The token store failed: unreachable, timed out, or refused (Redis, IndexedDB, the file store…). */
	Store: 'ERR_STORE',
	/** DPoP cannot work: no Web Crypto ECDSA, a key of another algorithm, or tokens bound to a key this process lacks. */
	Dpop: 'ERR_DPOP',
	/**
	 * An option (or argument) is missing or has the wrong type or value: a configuration mistake, thrown where it is
	 * given, as an {@link InvalidOptionError} (a `TypeError`, Node's convention) naming the option and what it got.
	 */
	InvalidOption: 'ERR_INVALID_OPTION',
	/**
	 * An optional package that what you asked for needs is not installed (`redis`, the OpenTelemetry API, `msw`): a
	 * {@link MissingPackageError} naming it and the command that installs it.
	 */
	MissingPackage: 'ERR_MISSING_PACKAGE',
	/**
	 * An API rejected the token and its protected-resource metadata (RFC 9728) names other authorization servers than
	 * the session's: an {@link AuthorizationServerMismatchError}. Its tokens come from another server.
	 */
	AuthorizationServerMismatch: 'ERR_AUTHORIZATION_SERVER_MISMATCH',
	/**
	 * An ID token failed a check of OpenID Connect Core 3.1.3.7 (signature, `iss`, `aud`, `exp`, `nonce`…), or a refresh
	 * or userinfo answer named another user: an {@link IdTokenError} saying which check. Nothing was kept.
	 */
	IdToken: 'ERR_ID_TOKEN',
	/** A popup login could not complete: the popup was blocked, closed, or timed out ({@link PopupError}). */
	Popup: 'ERR_POPUP',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

// The classes and guards below write their codes as literals, each checked against `ErrorCode` by the compiler, and
// the rest of the code does too: `ErrorCode.X` would keep the whole table in every browser bundle (92 B gz of
// an SPA's) even when the app never imports it.

const brand = Symbol.for('tokenkeeper.error');

/** Options common to every tokenkeeper error. */
export interface TokenkeeperErrorOptions {
	readonly cause?: unknown;
	/** The HTTP response behind the error; kept non-enumerable so it never lands in logs or JSON. */
	readonly response?: Response;
}

/**
 * Base class of every error tokenkeeper throws on purpose.
 * Use {@link isTokenkeeperError} rather than `instanceof`: an ESM and a CJS copy of the package can coexist.
 */
export class TokenkeeperError extends Error {
	override readonly name: string = 'TokenkeeperError';
	declare readonly code: ErrorCode;
	declare readonly response?: Response;

	constructor(code: ErrorCode, message: string, options: TokenkeeperErrorOptions = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.code = code;
		// Defined, not assigned: non-enumerable (and read-only), so never in logs, spreads or JSON.
		Object.defineProperties(this, { response: { value: options.response }, [brand]: { value: true } });
	}

	/** A JSON view with what helps a log reader: name, code, message. Never a token or a secret. */
	toJSON(): Record<string, unknown> {
		return { name: this.name, code: this.code, message: this.message };
	}
}

/**
 * A configuration mistake: an option (or argument) that is missing, or of the wrong type or value. A `TypeError`, as
 * Node's own are (`ERR_INVALID_ARG_TYPE`), with a stable `code` and the brand, so {@link isTokenkeeperError} knows it.
 * The message names the option and what it got: for an option that may hold a secret only its type ("a number",
 * "an empty string", "undefined"), never the value; a URL never with what comes before an `@` (its userinfo).
 */
export class InvalidOptionError extends TypeError {
	override readonly name: string = 'InvalidOptionError';
	declare readonly code: typeof ErrorCode.InvalidOption;
	/** The option at fault as you write it: `clientSecret`, `retry.retries`, `dotkernel.users`. */
	declare readonly option: string;

	constructor(option: string, message: string) {
		super(message);
		this.code = 'ERR_INVALID_OPTION';
		this.option = option;
		Object.defineProperty(this, brand, { value: true });
	}

	/** The same view as {@link TokenkeeperError.toJSON}'s, with the option. */
	toJSON(): Record<string, unknown> {
		return { name: this.name, code: this.code, message: this.message, option: this.option };
	}
}

/**
 * An optional package is not installed, or cannot be loaded: `redis` for `RedisTokenStore({ url })`,
 * the OpenTelemetry API for `instrument()`, `msw` for `providerHandlers()`. A configuration error, never an outage:
 * a Redis store without its driver fails every call, and is never bypassed (`storeFailure`).
 */
export class MissingPackageError extends TokenkeeperError {
	override readonly name: string = 'MissingPackageError';
	/** The package to install, as npm names it (`redis`, `msw`…). */
	declare readonly packageName: string;

	constructor(packageName: string, message: string, options: TokenkeeperErrorOptions = {}) {
		super('ERR_MISSING_PACKAGE', message, options);
		this.packageName = packageName;
	}

	override toJSON(): Record<string, unknown> {
		return { ...super.toJSON(), packageName: this.packageName };
	}
}

/** Fields of an OAuth 2.0 error response (RFC 6749 5.2), plus provider extras such as Dotkernel's `hint`. */
export interface OAuthErrorFields {
	readonly error: string;
	readonly errorDescription?: string | undefined;
	readonly errorUri?: string | undefined;
	readonly status: number;
	readonly extras?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The server said no: an OAuth error response such as `invalid_client` or `invalid_grant`.
 * Not retried: sending the same request again gets the same answer.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthError extends TokenkeeperError {
	override readonly name: string = 'OAuthError';
	declare readonly error: string;
	declare readonly errorDescription: string | undefined;
	declare readonly errorUri: string | undefined;
	declare readonly status: number;
	declare readonly extras: Readonly<Record<string, unknown>>;

	constructor(fields: OAuthErrorFields, message: string, options: TokenkeeperErrorOptions = {}) {
		super('ERR_OAUTH', message, options);
		this.error = fields.error;
		this.errorDescription = fields.errorDescription;
		this.errorUri = fields.errorUri;
		this.status = fields.status;
		this.extras = Object.freeze({ ...fields.extras });
	}

	override toJSON(): Record<string, unknown> {
		return {
			...super.toJSON(),
			error: this.error,
			errorDescription: this.errorDescription,
			errorUri: this.errorUri,
			status: this.status,
		};
	}
}

/** The server said yes in a broken way: not JSON, an HTML page, no `access_token`, a bad `expires_in`… */
export class TokenResponseError extends TokenkeeperError {
	override readonly name: string = 'TokenResponseError';
	declare readonly status: number | undefined;

	constructor(message: string, options: TokenkeeperErrorOptions & { status?: number; code?: ErrorCode } = {}) {
		super(options.code ?? 'ERR_TOKEN_RESPONSE', message, options);
		this.status = options.status;
	}

	override toJSON(): Record<string, unknown> {
		return { ...super.toJSON(), status: this.status };
	}
}

/** The token endpoint could not be reached (network failure or timeout), even after retries. */
export class NetworkError extends TokenkeeperError {
	override readonly name: string = 'NetworkError';
	declare readonly attempts: number;

	constructor(message: string, options: TokenkeeperErrorOptions & { timeout?: boolean; attempts: number }) {
		super(options.timeout ? 'ERR_TIMEOUT' : 'ERR_NETWORK', message, options);
		this.attempts = options.attempts;
	}
}

/** No token can be had without a person: the session was cleared, or its refresh token is dead. */
export class LoginRequiredError extends TokenkeeperError {
	override readonly name: string = 'LoginRequiredError';

	constructor(message: string, options: TokenkeeperErrorOptions = {}) {
		super('ERR_LOGIN_REQUIRED', message, options);
	}
}

/**
 * The authorization response is not acceptable: state mismatch, a login another flow started, `error=access_denied`,
 * missing code, `iss` mismatch.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export class AuthorizationResponseError extends TokenkeeperError {
	override readonly name: string = 'AuthorizationResponseError';
	/**
	 * The `error` parameter of the response when the provider sent one (e.g. `access_denied`); else why tokenkeeper
	 * refused it: `missing_state`, `state_mismatch`, `provider_mismatch` (the login was started by the flow of another
	 * provider or client), `iss_mismatch`, `missing_code`.
	 */
	declare readonly error: string | undefined;

	constructor(message: string, options: TokenkeeperErrorOptions & { error?: string } = {}) {
		super('ERR_AUTHORIZATION_RESPONSE', message, options);
		this.error = options.error;
	}
}

/** The API rejected the token, and the request could not be retried because its body cannot be sent twice. */
export class RequestNotReplayableError extends TokenkeeperError {
	override readonly name: string = 'RequestNotReplayableError';
	declare readonly status: number;

	constructor(message: string, options: TokenkeeperErrorOptions & { status: number }) {
		super('ERR_NOT_REPLAYABLE', message, options);
		this.status = options.status;
	}
}

/**
 * The token store failed: Redis unreachable or too slow, IndexedDB refusing to open, a file that cannot be written.
 * `store` names it (`Redis at 10.0.0.5:6379`, never a password); the driver's error is the `cause`.
 */
export class StoreError extends TokenkeeperError {
	override readonly name: string = 'StoreError';
	/** Which store failed, for a person: e.g. `Redis at 127.0.0.1:6379`. */
	declare readonly store: string;

	constructor(message: string, options: TokenkeeperErrorOptions & { store: string }) {
		super('ERR_STORE', message, options);
		this.store = options.store;
	}

	override toJSON(): Record<string, unknown> {
		return { ...super.toJSON(), store: this.store };
	}
}

/**
 * DPoP (RFC 9449) cannot work here: the runtime has no Web Crypto ECDSA P-256, the key pair given is not ES256, or
 * the stored tokens are bound to a key this process does not hold. Never carries key material.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export class DpopError extends TokenkeeperError {
	override readonly name: string = 'DpopError';

	constructor(message: string, options: TokenkeeperErrorOptions = {}) {
		super('ERR_DPOP', message, options);
	}
}

/**
 * An API rejected the session's token and said, in its protected-resource metadata (RFC 9728, named by its
 * `WWW-Authenticate: Bearer resource_metadata="…"`), that it takes tokens from other authorization servers than the
 * session's. Thrown instead of a refresh and a retry, which could not help: nothing was sent to the other server, and
 * the session's tokens are kept. Make a session for that API (e.g. `oauth2({ resource })`).
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5
 */
export class AuthorizationServerMismatchError extends TokenkeeperError {
	override readonly name: string = 'AuthorizationServerMismatchError';
	/** The API's resource identifier, as its metadata names it. */
	declare readonly resource: string;
	/** The issuer identifiers of the authorization servers the API takes tokens from, as its metadata lists them. */
	declare readonly authorizationServers: readonly string[];
	/** The session's authorization server (its issuer identifier). */
	declare readonly issuer: string;
	/** The API's answer: 401, or the provider's other rejection status. */
	declare readonly status: number;

	constructor(
		message: string,
		options: TokenkeeperErrorOptions & {
			resource: string;
			authorizationServers: readonly string[];
			issuer: string;
			status: number;
		},
	) {
		super('ERR_AUTHORIZATION_SERVER_MISMATCH', message, options);
		this.resource = options.resource;
		this.authorizationServers = Object.freeze([...options.authorizationServers]);
		this.issuer = options.issuer;
		this.status = options.status;
	}

	override toJSON(): Record<string, unknown> {
		return {
			...super.toJSON(),
			resource: this.resource,
			authorizationServers: this.authorizationServers,
			issuer: this.issuer,
			status: this.status,
		};
	}
}

/**
 * Which check of an ID token failed (OpenID Connect Core 3.1.3.7, 5.3.4, 12.2): `format` (not a signed JWT),
 * `alg` (an algorithm not accepted: `none`, HS*, or one the key does not have), `key` (no JWKS key for it, even
 * after one refetch), `signature`, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `at_hash`, `sub` (a refresh's or
 * userinfo's user is not the session's).
 */
export type IdTokenCheck = 'format' | 'alg' | 'key' | 'signature' | 'iss' | 'aud' | 'azp' | 'exp' | 'iat' | 'nonce' | 'at_hash' | 'sub';

/**
 * An ID token (or a userinfo answer) failed a check: which one is in `check`, what it means in the message. Never
 * carries the token or its claims' values beyond what names the failure. The tokens of that response were not kept.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export class IdTokenError extends TokenkeeperError {
	override readonly name: string = 'IdTokenError';
	declare readonly check: IdTokenCheck;

	constructor(check: IdTokenCheck, message: string, options: TokenkeeperErrorOptions = {}) {
		super('ERR_ID_TOKEN', message, options);
		this.check = check;
	}

	override toJSON(): Record<string, unknown> {
		return { ...super.toJSON(), check: this.check };
	}
}

/** Why a popup login ended without a login: `blocked` (no window opened), `closed` (before it finished), `timeout`. */
export type PopupFailure = 'blocked' | 'closed' | 'timeout';

/** A popup login could not complete. `reason` says why; the login attempt is dropped. */
export class PopupError extends TokenkeeperError {
	override readonly name: string = 'PopupError';
	declare readonly reason: PopupFailure;

	constructor(reason: PopupFailure, message: string, options: TokenkeeperErrorOptions = {}) {
		super('ERR_POPUP', message, options);
		this.reason = reason;
	}

	override toJSON(): Record<string, unknown> {
		return { ...super.toJSON(), reason: this.reason };
	}
}

/**
 * True for any error thrown by any copy (ESM or CJS) of tokenkeeper, an {@link InvalidOptionError} included (a
 * `TypeError`, so not a subclass of {@link TokenkeeperError}, but with the same `name`, `code`, `message` and `toJSON`).
 */
export function isTokenkeeperError(value: unknown): value is TokenkeeperError {
	return (value as Record<symbol, unknown> | null | undefined)?.[brand] === true;
}

/** True for an {@link OAuthError} from any copy of tokenkeeper. */
export function isOAuthError(value: unknown): value is OAuthError {
	return isTokenkeeperError(value) && value.code === 'ERR_OAUTH';
}

/** True for a {@link LoginRequiredError} from any copy of tokenkeeper. */
export function isLoginRequiredError(value: unknown): value is LoginRequiredError {
	return isTokenkeeperError(value) && value.code === 'ERR_LOGIN_REQUIRED';
}

/** True for a {@link StoreError} from any copy of tokenkeeper. */
export function isStoreError(value: unknown): value is StoreError {
	return isTokenkeeperError(value) && value.code === 'ERR_STORE';
}
