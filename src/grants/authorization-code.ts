import type { GrantParameters } from '../endpoint.js';

/**
 * The authorization code grant's token request, with the PKCE verifier.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export function authorizationCodeGrant(code: string, redirectUri: string, codeVerifier: string): GrantParameters {
	return { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier };
}
