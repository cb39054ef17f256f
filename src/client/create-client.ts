import ky, { type KyInstance, type Options } from 'ky';
import { isTokenkeeperError } from '../errors.js';
import { globalFetch } from '../global-fetch.js';
import { allowedOriginPrefixes, toTokenManager, type Auth } from './client-options.js';
import { outgoingFromRequest } from './outgoing-request.js';
import { createSendWithToken } from './send-with-token.js';

/** Options of {@link createClient}: ky's options, plus who authenticates and where tokens may go. */
export interface ClientOptions extends Omit<Options, 'prefixUrl'> {
	/** The API's base URL; its origin receives the token. */
	readonly prefixUrl: string | URL;
	/** A provider (tokenkeeper makes its manager) or a TokenManager. */
	readonly auth: Auth;
	/** More origins allowed to receive the token. Every other origin never sees it. */
	readonly allowedOrigins?: readonly (string | URL)[] | undefined;
	/**
	 * The API the requests' token is for (RFC 8707 resource indicator): the session keeps a token per resource, all
	 * from its one refresh token, and a rejection drops only this one. Default: the provider's `resource`, else none.
	 */
	readonly resource?: string | undefined;
	/** The scopes of the requests' token (a space-separated string or a list). Default: the provider's `scope`. */
	readonly scope?: string | readonly string[] | undefined;
	/**
	 * The fetch for token requests when `auth` is a provider. Default: `fetch` (the API's), else the global one.
	 * A TokenManager passed as `auth` keeps its own.
	 */
	readonly tokenFetch?: typeof fetch | undefined;
}

type RetryOption = Exclude<Options['retry'], undefined>;

/** ky retries errors thrown by fetch; a token error (login required, refused credentials) must not be retried. */
function withoutTokenErrorRetries(retry: RetryOption | undefined): Exclude<RetryOption, number> {
	const expanded = typeof retry === 'number' ? { limit: retry } : { ...retry };
	const userShouldRetry = expanded.shouldRetry;
	return {
		...expanded,
		shouldRetry: (state) => (isTokenkeeperError(state.error) ? false : userShouldRetry?.(state)),
	};
}

/**
 * A ky instance whose requests to `prefixUrl`'s origin carry the session's access token, and that gets a new
 * token and retries once when the API rejects one.
 * @example
 * const api = createClient({
 *   prefixUrl: 'https://cloud.squidex.io/api/',
 *   auth: squidex({ clientId, clientSecret }),
 * });
 * const schemas = await api.get('apps/food-crunch/schemas').json();
 */
export function createClient(options: ClientOptions): KyInstance {
	const { auth, allowedOrigins = [], prefixUrl, tokenFetch, resource, scope, ...kyOptions } = options;
	const manager = toTokenManager(auth, tokenFetch ?? kyOptions.fetch);
	const streamed = new WeakSet<Request>();
	const send = kyOptions.fetch ?? globalFetch;
	const sendWithToken = createSendWithToken({
		manager,
		allowed: allowedOriginPrefixes([prefixUrl, ...allowedOrigins], 'prefixUrl and allowedOrigins'),
		target: { resource, scope },
	});
	return ky.create({
		...kyOptions,
		prefixUrl,
		fetch: (input, init) => {
			const request = input instanceof Request ? input : new Request(input, init);
			return sendWithToken(outgoingFromRequest(request, init, send, !streamed.has(request)));
		},
		retry: withoutTokenErrorRetries(kyOptions.retry),
		hooks: {
			...kyOptions.hooks,
			beforeRequest: [
				(request, normalized) => {
					// A stream body can be sent once: remember it, so a rejection is not retried with an empty body.
					if (normalized.body instanceof ReadableStream) streamed.add(request);
				},
				...(kyOptions.hooks?.beforeRequest ?? []),
			],
		},
	});
}
