/** One request on its way out: where it goes, and how to send it, with or without an Authorization header. */
export interface OutgoingRequest {
	/** The absolute, normalized URL (as `new URL()` writes it). */
	readonly url: string;
	readonly method: string;
	readonly signal: AbortSignal | undefined;
	readonly hasAuthorization: boolean;
	/** False when the body is a stream, which cannot be sent a second time. */
	readonly replayable: boolean;
	/**
	 * Send the request, fetch following its redirects; with `authorization`, that header is set. A replayable request
	 * may be sent again (a token retry). With `prepared` instead, send that {@link clone}, whose headers the caller
	 * (DPoP, which follows each redirect itself with its own proof) has set, with the caller's fetch, as is.
	 */
	send(authorization?: string, prepared?: Request): Promise<Response>;
	/**
	 * The request as the caller made it, for a send of one's own: each call a new copy, taken before the previous one's
	 * body is consumed (a body-less request is reused). Only the first, for a stream body.
	 */
	clone(): Request;
}

/**
 * A `Request` (what ky hands its fetch) as an {@link OutgoingRequest}. A copy to replay is kept before each send: a
 * body-less request can be reused, a body is teed before it is consumed.
 */
export function outgoingFromRequest(
	request: Request,
	extra: RequestInit | undefined,
	send: typeof fetch,
	replayable: boolean,
): OutgoingRequest {
	let next: Request | undefined = request;
	const clone = () => {
		const target = next!;
		// A copy for the next send is taken before this one consumes the body.
		next = target.body === null ? target : replayable ? target.clone() : undefined;
		return target;
	};
	return {
		url: request.url,
		method: request.method,
		signal: request.signal,
		hasAuthorization: request.headers.has('authorization'),
		replayable: request.body === null || replayable,
		clone,
		send(authorization, prepared) {
			if (authorization === undefined) return send(prepared ?? request, extra);
			const target = clone();
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
		method: init?.method?.toUpperCase() ?? 'GET',
		signal: init?.signal ?? undefined,
		hasAuthorization: new Headers(init?.headers).has('authorization'),
		replayable: !(init?.body instanceof ReadableStream),
		clone: () => new Request(input, init),
		send(authorization, prepared) {
			if (prepared) return send(prepared);
			if (authorization === undefined) return send(input, init);
			const headers = new Headers(init?.headers);
			headers.set('authorization', authorization);
			return send(input, { ...init, headers });
		},
	};
}
