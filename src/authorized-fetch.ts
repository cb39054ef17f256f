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
}

/** One request on its way out: where it goes, and how to send it, with or without an Authorization header. */
export interface OutgoingRequest {
	/** The absolute, normalised URL (as `new URL()` writes it). */
	readonly url: string;
	readonly signal: AbortSignal | undefined;
	readonly hasAuthorization: boolean;
	/** False when the body is a stream, which cannot be sent a second time. */
	readonly replayable: boolean;
	/** Send the request; with `authorization`, that header is set. Called at most twice. */
	send(authorization?: string): Promise<Response>;
}

/**
 * A `Request` (what ky hands its fetch) as an {@link OutgoingRequest}. A copy to replay is kept before the first
 * send: a body-less request can be reused, a body is teed before it is consumed.
 */
export function outgoingFromRequest(
	request: Request,
	extra: RequestInit | undefined,
	send: typeof fetch,
	replayable: boolean,
): OutgoingRequest {
	let spare: Request | undefined;
	let sends = 0;
	return {
		url: request.url,
		signal: request.signal,
		hasAuthorization: request.headers.has('authorization'),
		replayable: request.body === null || replayable,
		send(authorization) {
			if (authorization === undefined) return send(request, extra);
			sends += 1;
			if (sends === 1) spare = request.body === null ? request : replayable ? request.clone() : undefined;
			const target = sends === 1 ? request : spare!;
			target.headers.set('authorization', authorization);
			return send(target, extra);
		},
	};
}

/**
 * `fetch(url, init)` as an {@link OutgoingRequest}, without building a `Request`: fetch builds one anyway, and
 * handing it ours would make it build a second (about a fifth of the cost of a loopback request).
 */
export function outgoingFromUrl(input: string | URL, init: RequestInit | undefined, send: typeof fetch): OutgoingRequest {
	const base = (globalThis as { location?: { href?: string } }).location?.href;
	let url: string;
	try {
		url = new URL(input, base).href;
	} catch {
		// Not a URL fetch could send either: let fetch report it, with no token attached.
		url = '';
	}
	return {
		url,
		signal: init?.signal ?? undefined,
		hasAuthorization: new Headers(init?.headers).has('authorization'),
		replayable: !(init?.body instanceof ReadableStream),
		send(authorization) {
			if (authorization === undefined) return send(input, init);
			const headers = new Headers(init?.headers);
			headers.set('authorization', authorization);
			return send(input, { ...init, headers });
		},
	};
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
 * The request is sent as is, plus `Authorization`: no header of our own, so CORS preflights stay as the API allows.
 */
export function createAuthorizedFetch(config: AuthorizedFetchConfig) {
	const { manager, allowed } = config;
	const rejection = new Set(manager.provider.rejectionStatuses);

	return async function authorizedFetch(outgoing: OutgoingRequest): Promise<Response> {
		// A request that brings its own Authorization, or goes to a foreign origin, is none of our business.
		if (outgoing.hasAuthorization || !allowed.some((prefix) => outgoing.url.startsWith(prefix))) {
			return outgoing.send();
		}
		const tokenSet = await manager.getToken({ signal: outgoing.signal });
		const response = await outgoing.send(authorization(tokenSet));
		if (!rejection.has(response.status) || !answeredBy(response, outgoing.url)) return response;

		// Rule 5: one new token and one retry, never more; the second answer is returned as is.
		await manager.invalidate(tokenSet);
		if (!outgoing.replayable) {
			throw new RequestNotReplayableError(
				`The API rejected the access token (${response.status}) and the request was not retried because its body is a stream, ` +
					'which cannot be sent twice. A new token will be used next time: send the request again.',
				{ status: response.status, response },
			);
		}
		await response.body?.cancel().catch(() => undefined);
		const next = await manager.getToken({ signal: outgoing.signal });
		return outgoing.send(authorization(next));
	};
}
