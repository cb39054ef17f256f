/** Where the provider's endpoints are. `refresh` defaults to `token`. */
export interface ProviderEndpoints {
	readonly token: string;
	readonly refresh?: string | undefined;
	readonly authorization?: string | undefined;
	readonly revocation?: string | undefined;
	/** The device authorization endpoint (RFC 8628), for logins on machines without a browser. */
	readonly deviceAuthorization?: string | undefined;
	/** The issuer's signing keys (JWKS), which ID tokens are checked with (OpenID Connect Core 10.1). */
	readonly jwks?: string | undefined;
	/** The userinfo endpoint (OpenID Connect Core 5.3). */
	readonly userInfo?: string | undefined;
	/** Where a logout ends the person's session at the provider (OpenID RP-Initiated Logout 1.0). */
	readonly endSession?: string | undefined;
	/** The pushed authorization request endpoint (RFC 9126), where a login's parameters go before the redirect. */
	readonly pushedAuthorization?: string | undefined;
	/** The server takes authorization requests only pushed (RFC 9126 5: `require_pushed_authorization_requests`). */
	readonly requirePushedAuthorization?: boolean | undefined;
	/**
	 * The server's mTLS endpoint aliases (RFC 8705 5: `mtls_endpoint_aliases`): where a client that authenticates with
	 * its certificate sends what it would send to the endpoint of the same name. Only `tlsClientAuth()` reads them.
	 */
	readonly mtlsAliases?: MtlsEndpointAliases | undefined;
	/**
	 * The issuer identifier the endpoints were discovered for, when they were: what the `iss` of an authorization
	 * response must name (RFC 9207) for a provider that has no `issuer` of its own, as one found from its API's
	 * protected-resource metadata (RFC 9728) has not.
	 */
	readonly issuer?: string | undefined;
}

/** The endpoints a server has mTLS aliases for (RFC 8705 5), named as in {@link ProviderEndpoints}. */
export interface MtlsEndpointAliases {
	readonly token?: string | undefined;
	readonly revocation?: string | undefined;
	readonly deviceAuthorization?: string | undefined;
	readonly pushedAuthorization?: string | undefined;
	readonly userInfo?: string | undefined;
}

/**
 * One document a provider's discovery needs, and how to read it: into the provider's endpoints (or what else the
 * steps are for), or into the next document to fetch. Pure: the endpoint layer fetches, the provider brings its steps
 * (`discovery-document.ts`, `resource-metadata.ts`), so that an app whose provider has fixed endpoints never bundles
 * them.
 */
export interface DiscoveryStep<T = ProviderEndpoints> {
	readonly url: string;
	/** The endpoint, for a person: `OpenID discovery endpoint`. */
	readonly what: string;
	/**
	 * `document`: the answer's JSON when its status is 2xx, else `undefined`. Returns the result or the next step;
	 * throws why the answer is unusable.
	 */
	read(document: unknown, status: number): T | DiscoveryStep<T>;
}
