import { RequestNotReplayableError } from './errors.js';
import { createTokenManager, isTokenManager, type TokenManager } from './manager.js';
import type { Provider } from './provider.js';

/** A provider (a manager is made for it) or a ready TokenManager. */
export type Auth = Provider | TokenManager;

/** The manager behind `auth`. */
export function toTokenManager(auth: Auth, fetchFunction: typeof fetch | undefined): TokenManager {
	if (isTokenManager(auth)) return auth;
	return createTokenManager(auth, { fetch: fetchFunction });
}

/** `https://api.example.com/v1/` -> `https://api.example.com/`: what a request URL must start with. */
export function originPrefix(url: string | URL, name: string): string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new TypeError(`Expected \`${name}\` to be absolute URLs, got "${String(url)}"`);
	}
	if (parsed.origin === 'null') throw new TypeError(`Expected \`${name}\` to be http(s) URLs, got "${String(url)}"`);
	return `${parsed.origin}/`;
}

/** What {@link createAuthorizedFetch} needs. */
export interface AuthorizedFetchConfig {
	readonly manager: TokenManager;
	/** Origins (as `origin + '/'`) that may receive the token; every other one gets the request untouched. */
	readonly allowed: readonly string[];
	readonly fetch: typeof fetch;
	/** False when the request body was a stream, which cannot be sent a second time. */
	readonly isReplayable: (request: Request) => boolean;
}

/**
 * Whether `response` came from the origin the token was sent to. After a redirect to another origin, fetch has
 * dropped the token (and so does rule 7): that origin's 401 or 403 says nothing about the token, so it must not
 * cost a new token and a retry.
 */
function answeredBy(response: Response, requestUrl: string): boolean {
	return !response.redirected || new URL(response.url).origin === new URL(requestUrl).origin;
}

function authorization(tokenSet: { tokenType: string; accessToken: string }): string {
	return `${tokenSet.tokenType} ${tokenSet.accessToken}`;
}

/**
 * Wrap `fetch` so that requests to allowed origins carry the session's token (rule 7), and a rejection
 * of that token gets one new token and one retry (rules 5 and 10). Done inside fetch rather than in ky's
 * `afterResponse` hook, which clones every response.
 * `request` is sent as is, plus `Authorization`: no header of our own, so CORS preflights stay as the API allows.
 */
export function createAuthorizedFetch(config: AuthorizedFetchConfig) {
	const { manager, allowed, isReplayable } = config;
	const send = config.fetch;
	const rejection = new Set(manager.provider.rejectionStatuses);

	return async function authorizedFetch(request: Request, extra?: RequestInit): Promise<Response> {
		// A request that brings its own Authorization, or goes to a foreign origin, is none of our business.
		if (request.headers.has('authorization') || !allowed.some((prefix) => request.url.startsWith(prefix))) {
			return send(request, extra);
		}
		const tokenSet = await manager.getToken({ signal: request.signal });
		// Keep a copy to replay: a body-less request can be reused, a body is teed before it is consumed.
		const spare = request.body === null ? request : isReplayable(request) ? request.clone() : undefined;
		request.headers.set('authorization', authorization(tokenSet));
		const response = await send(request, extra);
		if (!rejection.has(response.status) || !answeredBy(response, request.url)) return response;

		// Rule 5: one new token and one retry, never more; the second answer is returned as is.
		await manager.invalidate(tokenSet);
		if (!spare) {
			throw new RequestNotReplayableError(
				`The API rejected the access token (${response.status}) and the request was not retried because its body is a stream, ` +
					'which cannot be sent twice. A new token will be used next time: send the request again.',
				{ status: response.status, response },
			);
		}
		await response.body?.cancel().catch(() => undefined);
		const next = await manager.getToken({ signal: request.signal });
		spare.headers.set('authorization', authorization(next));
		return send(spare, extra);
	};
}
