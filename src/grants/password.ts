import type { GrantParameters } from '../endpoint.js';
import type { PasswordCredentials } from '../provider.js';

/**
 * The resource owner password credentials grant. The credentials are used for this one request only.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
 */
export function passwordGrant(credentials: PasswordCredentials, scope: string | undefined): GrantParameters {
	return { grant_type: 'password', username: credentials.username, password: credentials.password, scope };
}
