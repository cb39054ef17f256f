import { createAuthorizedFetch, originPrefix, outgoingFromRequest, outgoingFromUrl, toTokenManager, type Auth } from './authorized-fetch.js';
import { defaultFetch } from './transport.js';

/** Options of {@link authFetch}. */
export interface AuthFetchOptions {
	/** A provider (tokenkeeper makes its manager) or a TokenManager. */
	readonly auth: Auth;
	/** Origins that receive the token; requests anywhere else go out untouched. Required: there is no base URL. */
	readonly allowedOrigins: readonly (string | URL)[];
	/** The fetch to wrap. Default: the global one. */
	readonly fetch?: typeof fetch | undefined;
}

/**
 * A function with `fetch`'s signature that attaches the session's token to allowed origins and retries once
 * when the token is rejected: for any fetch-based SDK.
 * @example
 * const fetchWithToken = authFetch({ auth: squidex({ clientId, clientSecret }), allowedOrigins: ['https://cloud.squidex.io'] });
 * const response = await fetchWithToken('https://cloud.squidex.io/api/apps/food-crunch/schemas');
 */
export function authFetch(options: AuthFetchOptions): typeof fetch {
	const { auth, allowedOrigins, fetch: fetchFunction } = options;
	if (!Array.isArray(allowedOrigins)) throw new TypeError('Expected `allowedOrigins` to be an array of origins');
	const send = fetchFunction ?? defaultFetch;
	const authorizedFetch = createAuthorizedFetch({
		manager: toTokenManager(auth, fetchFunction),
		allowed: allowedOrigins.map((url) => originPrefix(url, 'allowedOrigins')),
	});
	return (input, init) => {
		if (!(input instanceof Request)) return authorizedFetch(outgoingFromUrl(input, init, send));
		// A Request's body cannot be told apart from a stream once inside it: it is teed, so it can be replayed.
		const request = init === undefined ? input : new Request(input, init);
		return authorizedFetch(outgoingFromRequest(request, undefined, send, !(init?.body instanceof ReadableStream)));
	};
}
