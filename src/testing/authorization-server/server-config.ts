import type { ClientAssertionPolicy } from '../client-assertions/assertion-policy.js';
import type { RegisteredClient } from './registrations.js';

/** What one ID token is issued for: a user's login by a client, with the access token issued beside it. */
export interface IdTokenRequest {
	readonly clientId: string;
	readonly subject: string;
	/** The access token of the same response: the ID token's `at_hash` is its hash. */
	readonly accessToken: string;
	/** When the user logged in, in seconds (`auth_time`); a refresh keeps the login's. */
	readonly authTime: number | undefined;
	/** The authorization request's `nonce`; none on a refresh or a device login. */
	readonly nonce: string | undefined;
}

/** An OpenID Provider's ID tokens: signed, with the claims of OpenID Connect Core 2. */
export interface IdTokenIssuer {
	issue(request: IdTokenRequest): Promise<string>;
}

/**
 * One emulated authorization server: who it is and what it allows. The endpoints in this folder (authorize,
 * token, revoke) serve any such configuration; Sqowey and the generic OAuth2 server are two of them.
 */
export interface AuthorizationServerConfig {
	/** The provider name its tokens are recorded under (a token works only at its own server), also the Basic realm. */
	readonly provider: string;
	/** Names the server on the error pages a person sees. */
	readonly displayName: string;
	readonly clients: readonly RegisteredClient[];
	/** The user who logs in: consent is automatic, as `setConsent()` says. */
	readonly subject: string;
	readonly accessTokenLifetime: number;
	/** Whether tokens issued for a user come with a refresh token (rotated at each use). */
	readonly refreshTokens: boolean;
	/** The grant types the token endpoint accepts, in the order an `unsupported_grant_type` answer lists them. */
	readonly grantTypes: readonly string[];
	readonly scopes: ScopePolicy;
	/**
	 * The protected resources it issues tokens for (RFC 8707): a token request may target one, and the token's
	 * audience is then that resource. Undefined: the server knows no resource indicators and ignores `resource`.
	 */
	readonly resources?: readonly ProtectedResource[] | undefined;
	/**
	 * When the server is an OpenID Provider: a login (code, device code) whose scope holds `openid`, and each refresh
	 * of it, gets an ID token. Undefined: a plain OAuth2 server, which never issues one.
	 */
	readonly idTokens?: IdTokenIssuer | undefined;
	/**
	 * When the server takes client assertions (RFC 7523, private_key_jwt and client_secret_jwt): its clients' public
	 * keys and the assertion ids seen. Undefined: assertions are refused as invalid_client.
	 */
	readonly clientAssertions?: ClientAssertionPolicy | undefined;
	/**
	 * The authorization endpoint takes only pushed requests (RFC 9126 5, `require_pushed_authorization_requests`): one
	 * sent directly is refused with `invalid_request`.
	 */
	readonly requirePushedAuthorizationRequests?: boolean | undefined;
	/** How long an authorization code issued for `scopes` lives, in seconds. */
	codeLifetime(scopes: readonly string[]): number;
}

/**
 * A protected resource (an API) an authorization server issues tokens for; its identifier is their audience. Part of
 * the server's configuration, like its clients and scope policy; `resource-indicators.ts` applies RFC 8707's rules to it.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export interface ProtectedResource {
	/** An absolute URI without a fragment: a `resource` parameter must name it exactly. */
	readonly identifier: string;
	/** The scopes it knows: a token for it carries only these of the scope asked or granted. Undefined: every scope. */
	readonly scopes: readonly string[] | undefined;
}

/** What a server accepts as scope; each method returns why it refuses (an `invalid_scope` description), or undefined. */
export interface ScopePolicy {
	/** The scopes of a new grant: an authorization, client credentials or device authorization request. */
	refuse(requested: readonly string[]): string | undefined;
	/**
	 * The `scope` of a refresh request, checked before the refresh token is spent, so a bad request does not cost
	 * the client its session; `granted` is the refresh token's scope when the token is known.
	 */
	refuseOnRefresh(requested: string, granted: string | undefined): string | undefined;
}

// RFC 6749 3.3: a scope name is printable ASCII but space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether `scope` is one well-formed scope name (RFC 6749 3.3). */
export function isScopeToken(scope: string): boolean {
	return SCOPE_TOKEN.test(scope);
}

/** The distinct scope names of a space-separated `scope` parameter (RFC 6749 3.3). */
export function splitScope(value: string | null): string[] {
	return [...new Set((value ?? '').split(' ').filter(Boolean))];
}
