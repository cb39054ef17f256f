/**
 * The token manager's public shape: its options, its methods, and the internal seam a login flow uses.
 * The implementation is in manager.ts.
 */
import type { DpopKeyPlace, DpopOption, SessionDpop } from './dpop/types.js';
import type { SessionChannel } from './session-channel.js';
import type { EndpointStep, TransportOptions } from './endpoint/index.js';
import type { StoreError, TokenkeeperError } from './errors.js';
import type { TokenManagerEventName, TokenManagerListener } from './events.js';
import type { GrantParameters } from './grants.js';
import type { Provider, ProviderEndpoints } from './provider.js';
import type { TokenStore } from './stores/store.js';
import type { TokenSet, TokenSetInit } from './token-set.js';

/** Options of {@link createTokenManager}. */
export interface TokenManagerOptions extends TransportOptions {
	/** Where token sets live. Default: a private in-memory store. */
	readonly store?: TokenStore | undefined;
	/** This session's key in the store. Default: derived from provider, endpoint, client id and scope. */
	readonly key?: string | undefined;
	/** A token is fresh until this many ms before it expires. Default 30 000. */
	readonly leeway?: number | undefined;
	/** Longest time one token request may hold the store's lock, in ms. Default 60 000. */
	readonly lockTtl?: number | undefined;
	/**
	 * Refresh-ahead, in ms: a read of a token that stops being fresh within this window returns it at once and starts
	 * one background refresh, so callers do not wait for the token endpoint. At most half the token's fresh life; `0`
	 * turns it off. Default: 30 000 for sessions without a refresh token (client credentials), off for sessions with
	 * one, since many servers end the access token a refresh replaces and everyone still holding it would see a
	 * rejection; set it to refresh those ahead too.
	 */
	readonly refreshAhead?: number | undefined;
	/**
	 * What a token request does when the store cannot be reached. `bypass` (default): a session whose primary grant
	 * needs no person (client credentials; password with `credentials`) gets a token from the endpoint without the
	 * store's lock, kept in this process while it is fresh (then the store is read again); a refresh token is never
	 * used without the lock.
	 * `fail`: every token request fails with the store's error (`ERR_STORE`). A fresh token this process holds is
	 * served either way.
	 */
	readonly storeFailure?: 'bypass' | 'fail' | undefined;
	/**
	 * DPoP (RFC 9449): sender-constrained tokens, bound to a key only this session holds, so a stolen token is useless
	 * elsewhere. `true`: tokenkeeper makes the key (ECDSA P-256, non-extractable, dropped by `clear()`); `{ keyPair }`:
	 * your Web Crypto ECDSA P-256 key pair (to share one key between processes). Every token request and every API
	 * request through `createClient`/`authFetch` carries a proof signed with ES256 (the only algorithm accepted);
	 * nonces are handled. A server that issues Bearer anyway is used as Bearer, with a `dpop-downgrade` event.
	 * Without it, a DPoP token is refused (`ERR_UNSUPPORTED_TOKEN_TYPE`).
	 * @see https://www.rfc-editor.org/rfc/rfc9449
	 */
	readonly dpop?: DpopOption | undefined;
}

/** Options of {@link TokenManager.getToken}. */
export interface GetTokenOptions {
	/** Stop waiting; other callers waiting on the same request are not affected. */
	readonly signal?: AbortSignal | undefined;
	/** Get a new token even if the cached one looks fresh. Joins a request already in flight. */
	readonly forceRefresh?: boolean | undefined;
	/**
	 * The API the token is for (RFC 8707 resource indicator, an absolute URL). Each (resource, scope) has a token of its
	 * own, and every one comes from the session's one refresh token. Default: the provider's `resource`, else none.
	 * @see https://www.rfc-editor.org/rfc/rfc8707
	 */
	readonly resource?: string | undefined;
	/** The scopes to ask for this token (a space-separated string or a list). Default: the provider's `scope`. */
	readonly scope?: string | readonly string[] | undefined;
}

/** Which of a session's tokens: the API it is for and its scopes (see {@link GetTokenOptions}). */
export type TokenTargetOptions = Pick<GetTokenOptions, 'resource' | 'scope'>;

/** Owns one session's tokens: cache, single flight, refresh, rotation, invalidation. */
export interface TokenManager {
	readonly provider: Provider;
	readonly key: string;
	/** A fresh token set: from the cache when fresh (no I/O), else from one shared token request. */
	getToken(options?: GetTokenOptions): Promise<TokenSet>;
	/** Drop `token` if it is still the cached one (rule 4). Resolves `true` when it dropped it. */
	invalidate(token: string | TokenSet): Promise<boolean>;
	/** Store tokens obtained elsewhere (e.g. an app's own login); ends a `clear()`. */
	setTokens(tokens: TokenSet | TokenSetInit): Promise<TokenSet>;
	/**
	 * Forget the session's tokens (the store's entry, and a DPoP key tokenkeeper made), e.g. on logout or when they may
	 * have leaked. What comes next depends on who can get new ones: a session whose primary grant needs no person
	 * (client credentials; a password grant with `credentials`) asks the server again on the next `getToken()`; any
	 * other (a person's login) throws {@link LoginRequiredError} until `setTokens()` or a new login. A token request in
	 * flight meanwhile does not bring the old session back (a login that completes meanwhile keeps its tokens: its code
	 * is spent).
	 */
	clear(): Promise<void>;
	/** Listen to `token`, `login-required` and `error`; returns the function that unsubscribes. */
	on<E extends TokenManagerEventName>(event: E, listener: TokenManagerListener<E>): () => void;
}

/**
 * What a login flow hands to the session's owner, and all it may do with the session: it never touches the
 * store, the lock or the token endpoint itself. Internal: not exported from the package.
 */
export interface SessionSeam {
	/** The clock every expiry is computed with. */
	readonly now: () => number;
	/** The provider's endpoints (the authorization endpoint, for the login URL). */
	endpoints(signal?: AbortSignal): Promise<ProviderEndpoints>;
	/**
	 * Exchange a grant a person just gave (an authorization code) for the session's first tokens: one token request
	 * inside the session's single flight and lock, stored and announced like any other (rule 8). `resource`: the API
	 * the exchange asks a token for (the first of a login that named several, RFC 8707 2.2); it starts a new session.
	 */
	login(grant: GrantParameters, signal?: AbortSignal, resource?: string, nonce?: string): Promise<TokenSet>;
	/**
	 * Revoke the session's tokens at the provider (RFC 7009), then clear it, whatever the revocation said, and tell the
	 * session's other tabs. `revoked`: there were tokens, and every one was revoked; `ended`: the session's entry before.
	 */
	logout(): Promise<{ readonly revoked: boolean; readonly errors: readonly TokenkeeperError[]; readonly ended: TokenSet | undefined }>;
	/** The session's entry: its refresh and ID tokens, the ID token's claims (from the store, else this process's copy). */
	entry(): Promise<TokenSet | undefined>;
	/** Run one more endpoint step (a device authorization request…) with the session's provider and transport. */
	call<T>(step: EndpointStep<T>, signal?: AbortSignal): Promise<T>;
	/** A store that fell back (IndexedDB to memory) tells the session's listeners, as an `error` event. */
	reportStoreFailure(error: StoreError): void;
	/** The session's DPoP when it has `dpop`: the login binds its code to the key (`dpop_jkt`). */
	readonly dpop: Promise<SessionDpop> | undefined;
}

/**
 * Checks a token response before the session keeps it, and returns what to keep: a login flow's ID token check
 * (OpenID Connect), which adds the checked claims. `nonce`: the login's; `previous`: the session's entry a refresh
 * continues (its user must not change), `undefined` for a login. Throws to keep nothing.
 */
export type TokenCheck = (
	obtained: TokenSet,
	context: { readonly nonce: string | undefined; readonly previous: TokenSet | undefined; readonly signal: AbortSignal | undefined },
) => Promise<TokenSet>;

/** What a login flow adds to the session it opens. Internal. */
export interface SessionExtras {
	/** Where a DPoP key tokenkeeper makes is kept, as the flow keeps its tokens. Default: memory. */
	readonly dpopKeyPlace?: DpopKeyPlace | undefined;
	/** Checks every token response before it is kept (the ID token). */
	readonly check?: TokenCheck | undefined;
	/** The session's other tabs (`storage: 'local'`): logins and logouts are told to them and heard from them. */
	readonly tabs?: SessionChannel | undefined;
}

/** The fresh token a manager holds, read without a promise: the client's hot path (rule 1). Internal. */
export const freshTokenOf = Symbol.for('tokenkeeper.freshToken');

/** What reads a fresh token of one target without a promise: see {@link freshTokenReader}. */
export type FreshTokenReader = () => TokenSet | undefined;

/**
 * A reader of the fresh token set `manager` holds in memory for (`resource`, `scope`), which answers `undefined` when
 * only `getToken()` can tell. The target is checked once, here.
 */
export function freshTokenReader(manager: TokenManager, options: TokenTargetOptions = {}): FreshTokenReader {
	const reader = (manager as { [freshTokenOf]?: (options: object) => FreshTokenReader })[freshTokenOf]?.(options);
	return reader ?? (() => undefined);
}

/** The session's DPoP, for the client that sends its API requests. Internal. */
export const dpopOf = Symbol.for('tokenkeeper.dpop');

/** The DPoP of `manager`'s session, or `undefined` when it has none. */
export function sessionDpopOf(manager: TokenManager): Promise<SessionDpop> | undefined {
	return (manager as { [dpopOf]?: Promise<SessionDpop> })[dpopOf];
}

export const managerBrand = Symbol.for('tokenkeeper.manager');

/** True for a TokenManager from any copy of tokenkeeper. */
export function isTokenManager(value: unknown): value is TokenManager {
	return (value as Record<symbol, unknown> | null | undefined)?.[managerBrand] === true;
}

/**
 * The store key of a provider's session when none is given: endpoint (the issuer, else the token endpoint, else the
 * resource whose metadata names the server: RFC 9728), client id, scope, where the preset knows the user the username,
 * and the default resource (two providers that differ only by it have sessions of their own, whose default tokens are
 * for different APIs). Never derived from a secret.
 */
export function defaultKey(provider: Provider): string {
	const where = provider.issuer ?? provider.endpoints?.token ?? provider.resource ?? '';
	const user = provider.username === undefined ? [] : [provider.username];
	const resource = provider.resource === undefined || provider.resource === where ? [] : [provider.resource];
	return ['tokenkeeper', provider.name, where, provider.clientId, provider.scope ?? '', ...user, ...resource].join('|');
}
