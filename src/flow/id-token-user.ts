/**
 * The signed-in person: the claims of the session's ID token, as checked (OpenID Connect Core 2, 5.1).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
export interface IdTokenUser {
	readonly sub: string;
	readonly iss: string;
	readonly aud: string | readonly string[];
	readonly exp: number;
	readonly iat: number;
	readonly name?: string;
	readonly email?: string;
	readonly preferred_username?: string;
	readonly [claim: string]: unknown;
}
