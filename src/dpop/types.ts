/**
 * The shapes the session and the client share with the DPoP module. Types only: the module itself is loaded with
 * `import()` when a session asks for DPoP, so apps without it carry none of it.
 */

/**
 * The `dpop` option: `true` (tokenkeeper makes the key: ECDSA P-256, non-extractable) or `{ keyPair }` (a Web Crypto
 * ECDSA P-256 key pair of yours, e.g. shared by processes). Proofs are signed with ES256, the only algorithm accepted.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export type DpopOption = true | { readonly keyPair: CryptoKeyPair };

/**
 * Where a session made by a login flow keeps a key tokenkeeper makes: as its tokens are kept (`'local'`: IndexedDB,
 * shared by the origin's tabs; `'session'`: IndexedDB, for this tab; `'memory'`). Internal.
 */
export type DpopKeyPlace = 'local' | 'session' | 'memory';

/** What the DPoP module needs of an API request on its way out (the client's `OutgoingRequest` is one). */
export interface DpopOutgoingRequest {
	readonly url: string;
	readonly method: string;
	/** False when the body is a stream, which cannot be sent a second time. */
	readonly replayable: boolean;
	/**
	 * Send it with this `Authorization`, fetch following its redirects (a Bearer token, as without DPoP); or send
	 * `prepared`, a {@link clone} with the headers set here, as is.
	 */
	send(authorization: string | undefined, prepared?: Request): Promise<Response>;
	/** The request as the caller made it, a new copy for each send (only one for a stream body). */
	clone(): Request;
}

/** One session's DPoP: its key, its clock offset, the servers' nonces. */
export interface SessionDpop {
	/** The key's JWK thumbprint (RFC 7638): the authorization request's `dpop_jkt`. */
	thumbprint(): Promise<string>;
	/** `fetch` for the token endpoint: every request carries a proof; nonce and clock refusals are retried once each. */
	readonly tokenFetch: typeof fetch;
	/**
	 * Send an API request with `tokenSet`: `Authorization: DPoP` and a fresh proof (with `ath`) for a DPoP token, as
	 * is for a Bearer one. A nonce or clock refusal is retried once each per request, with a new proof. Redirects are
	 * followed hop by hop, a new proof for each on the request's origin, none and no token elsewhere.
	 */
	send(outgoing: DpopOutgoingRequest, tokenSet: { readonly tokenType: string; readonly accessToken: string }): Promise<Response>;
	/** Drop a key tokenkeeper made, where it is kept too (the session was cleared): the next login makes a new one. */
	forget(): Promise<void>;
}

/** What a DPoP-requesting session was answered with instead (RFC 9449 7.1 allows a server to issue Bearer). */
export interface DpopDowngradeEvent {
	/** The token type the server issued. */
	readonly tokenType: string;
}
