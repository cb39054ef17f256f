import type { Provider, ProviderEndpoints } from '../provider.js';

/** What a session tells its client authentication method: who the client is, where its server is, and when it is. */
export interface ClientAuthSession {
	readonly provider: Provider;
	/** The server's endpoints (discovered once): its issuer identifier, and the URLs whose requests authenticate the client. */
	endpoints(): Promise<ProviderEndpoints>;
	/** Epoch ms: the session's clock. */
	now(): number;
}

/**
 * A client authentication method that proves the client on each request to the authorization server as it leaves: a
 * signed assertion (RFC 7523: `privateKeyJwt()`, `clientSecretJwt()`), or a client certificate (RFC 8705:
 * `tlsClientAuth()`, on Node). Give it as a provider's `clientAuth`. It works beneath DPoP, so a request DPoP sends
 * again (a server's nonce) carries a new assertion too.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export interface ClientAuthMethod {
	/** Its name in a server's metadata (`token_endpoint_auth_methods_supported`, RFC 8414 2). */
	readonly method: 'private_key_jwt' | 'client_secret_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth';
	/**
	 * The session's `fetch` for the authorization server, made to authenticate the client on each request to the
	 * server's token, revocation, device authorization and PAR endpoints. Other requests pass as they are.
	 */
	authenticate(fetch: typeof globalThis.fetch, session: ClientAuthSession): typeof globalThis.fetch;
}
