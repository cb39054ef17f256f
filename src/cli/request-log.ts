/** One request the CLI sent: enough to name it in an error, nothing of its headers or body. */
export interface SentRequest {
	readonly method: string;
	/** Origin and path only: no user info, query or fragment, which may carry what is not for a terminal. */
	readonly url: string;
}

/** The `fetch` the commands send with, and what it sent last. */
export interface RequestLog {
	readonly fetch: typeof fetch;
	/** The last request sent, whether or not an answer came. */
	last(): SentRequest | undefined;
}

/**
 * A `fetch` that notes each request before sending it, so that an error the CLI prints can name the URL it went to
 * (a `--url` with a wrong path, an endpoint found by discovery). The library's messages name the endpoint's host
 * only, which is all they can afford in a browser bundle.
 */
export function createRequestLog(send: typeof fetch = (input, init) => globalThis.fetch(input, init)): RequestLog {
	let last: SentRequest | undefined;
	return {
		fetch: (input, init) => {
			const target = input instanceof Request ? input.url : String(input);
			const url = URL.canParse(target) ? new URL(target) : undefined;
			last = {
				method: (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
				url: url ? `${url.origin}${url.pathname}` : '(not a URL)',
			};
			return send(input, init);
		},
		last: () => last,
	};
}
