import type { GrantParameters } from '../endpoint.js';

/**
 * The refresh token grant. The scope is sent when the provider wants it (Dotkernel does).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function refreshTokenGrant(refreshToken: string, scope: string | undefined): GrantParameters {
	return { grant_type: 'refresh_token', refresh_token: refreshToken, scope };
}
