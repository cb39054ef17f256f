import { fetchDiscovery, resolveEndpoints } from '../endpoint/discovery.js';
import { resourceChallengeOf } from '../provider.js';
import type { TokenManager } from '../token-manager.js';
import type { OutgoingRequest } from './outgoing-request.js';

/**
 * Before a rejected token is dropped and the request retried: when the API's `WWW-Authenticate` names its
 * protected-resource metadata (RFC 9728 5.1) and that names other authorization servers than the session's, reject
 * with an `AuthorizationServerMismatchError` (a new token from the session's server could not help, and none is asked
 * for); else resolve, and the retry goes on as always. Only sessions whose provider brings the check (`oauth2()` with
 * an issuer, given or discovered) run it: for the others this returns `undefined` at once.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5
 */
export function checkResourceChallenge(manager: TokenManager, response: Response, outgoing: OutgoingRequest): Promise<void> | undefined {
	const { provider } = manager;
	return resourceChallengeOf(provider)?.(response, outgoing.url, {
		// The API's metadata is fetched as the API is: with the client's own fetch (its proxy, its instrumentation).
		send: (request) => outgoing.send(undefined, request),
		fetchDiscovery,
		endpoints: (transport) => resolveEndpoints(provider, transport),
	});
}
