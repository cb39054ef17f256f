import type { GrantParameters } from '../endpoint.js';

/**
 * The client credentials grant: the client acts for itself, no person involved.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export function clientCredentialsGrant(scope: string | undefined): GrantParameters {
	return { grant_type: 'client_credentials', scope };
}
