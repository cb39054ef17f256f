import { globalFetch } from '../global-fetch.js';
import { allowedOriginPrefixes, toTokenManager, type Auth } from './client-options.js';
import { outgoingFromRequest, outgoingFromUrl } from './outgoing-request.js';
import { createSendWithToken } from './send-with-token.js';
import { invalidOption } from '../options.js';

/** Options of {@link authFetch}. */
export interface AuthFetchOptions {
	/** A provider (tokenkeeper makes its manager) or a TokenManager. */
	readonly auth: Auth;
	/** Origins that receive the token; requests anywhere else go out untouched. Required: there is no base URL. */
	readonly allowedOrigins: readonly (string | URL)[];
	/** The API the token is for (RFC 8707), as on `createClient`. Default: the provider's `resource`, else none. */
	readonly resource?: string | undefined;
	/** The scopes of the token (a space-separated string or a list). Default: the provider's `scope`. */
	readonly scope?: string | readonly string[] | undefined;
	/** The fetch to wrap. Default: the global one. */
	readonly fetch?: typeof fetch | undefined;
	/**
	 * The fetch for token requests when `auth` is a provider. Default: `fetch` (the one wrapped), else the global one.
	 * A TokenManager passed as `auth` keeps its own.
	 */
	readonly tokenFetch?: typeof fetch | undefined;
}

/**
 * A function with `fetch`'s signature that attaches the session's token to allowed origins and retries once
 * when the token is rejected: for any fetch-based SDK.
 * @example
 * const fetchWithToken = authFetch({ auth: squidex({ clientId, clientSecret }), allowedOrigins: ['https://cloud.squidex.io'] });
 * const response = await fetchWithToken('https://cloud.squidex.io/api/apps/food-crunch/schemas');
 */
export function authFetch(options: AuthFetchOptions): typeof fetch {
	const { auth, allowedOrigins, fetch: fetchFunction, tokenFetch, resource, scope } = options;
	if (!Array.isArray(allowedOrigins)) throw invalidOption('allowedOrigins', 'an array of origins', allowedOrigins);
	const send = fetchFunction ?? globalFetch;
	const sendWithToken = createSendWithToken({
		manager: toTokenManager(auth, tokenFetch ?? fetchFunction),
		allowed: allowedOriginPrefixes(allowedOrigins, 'allowedOrigins'),
		target: { resource, scope },
	});
	return (input, init) => {
		if (!(input instanceof Request)) return sendWithToken(outgoingFromUrl(input, init, send));
		// A Request's body cannot be told apart from a stream once inside it: it is teed, so it can be replayed.
		const request = init === undefined ? input : new Request(input, init);
		return sendWithToken(outgoingFromRequest(request, undefined, send, !(init?.body instanceof ReadableStream)));
	};
}
