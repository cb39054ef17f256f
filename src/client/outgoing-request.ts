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
	 * Send the request; with `authorization`, that header is set, and with `proof`, the `DPoP` header. A replayable
	 * request may be sent again (a token retry, a DPoP nonce retry): at most four times in all.
	 */
	send(authorization?: string, proof?: string): Promise<Response>;
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
		method: request.method,
		signal: request.signal,
		hasAuthorization: request.headers.has('authorization'),
		replayable: request.body === null || replayable,
		send(authorization, proof) {
			if (authorization === undefined) return send(request, extra);
			sends += 1;
			const target = sends === 1 ? request : spare!;
			// A copy for the next send is taken before this one consumes the body.
			spare = target.body === null ? target : replayable ? target.clone() : undefined;
			target.headers.set('authorization', authorization);
			if (proof) target.headers.set('dpop', proof);
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
		send(authorization, proof) {
			if (authorization === undefined) return send(input, init);
			const headers = new Headers(init?.headers);
			headers.set('authorization', authorization);
			if (proof) headers.set('dpop', proof);
			return send(input, { ...init, headers });
		},
	};
}
