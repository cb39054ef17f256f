import { abortable } from '../abortable.js';
import { isTokenkeeperError, NetworkError, TokenResponseError } from '../errors.js';
import type { DocumentTransport } from './transport.js';

/**
 * The most tokenkeeper reads of a token, discovery or revocation endpoint's body: 1 MiB. Real answers are far
 * smaller (a token response is a few KB even with a large `id_token`; an OpenID discovery document is usually under
 * 10 KB, the largest about 50 KB), so no real server comes near it, while a broken or hostile one streaming without
 * end costs at most this much memory and the time to read it, not the whole timeout.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What to check when an endpoint's answer is not OAuth at all (an HTML page, a file, a proxy's error). */
export const CHECK_ENDPOINT_URL = 'Check that the URL points at the OAuth server.';

/** What a bounded request ended with, before any meaning is given to the status. */
export type BoundedOutcome =
	| { readonly kind: 'response'; readonly response: Response; readonly bodyText: string }
	/** The body was (or was declared) larger than {@link MAX_RESPONSE_BYTES}; it was not read further. */
	| { readonly kind: 'too-large'; readonly response: Response }
	| { readonly kind: 'timeout' }
	| { readonly kind: 'network'; readonly error: unknown };

/**
 * Send one request to a token, discovery or revocation endpoint and read its body, up to
 * {@link MAX_RESPONSE_BYTES}, within `transport.timeout` (headers and body together: a server that stalls mid-body
 * cannot hang the caller). The caller's signal aborts at once and rejects with its reason. Redirects are not
 * followed: a 307 from a token endpoint would re-send the client secret to wherever it points.
 */
export async function boundedRequest(
	url: string,
	init: Omit<RequestInit, 'signal' | 'redirect'>,
	transport: DocumentTransport,
	signal: AbortSignal | undefined,
): Promise<BoundedOutcome> {
	signal?.throwIfAborted();
	const controller = new AbortController();
	let timedOut = false;
	const timer =
		transport.timeout > 0
			? setTimeout(() => {
					timedOut = true;
					controller.abort();
				}, transport.timeout)
			: undefined;
	const onAbort = () => controller.abort(signal?.reason);
	signal?.addEventListener('abort', onAbort, { once: true });
	let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
	try {
		// Raced as well as passed on: a fetch (or a body stream) that ignores its signal still cannot hang us.
		const response = await abortable(transport.fetch(url, { ...init, redirect: 'manual', signal: controller.signal }), controller.signal);
		reader = response.body?.getReader();
		// Refused unread: a server that announces more than the limit would only waste the time to read it.
		if (Number(response.headers.get('content-length')) > MAX_RESPONSE_BYTES) return { kind: 'too-large', response };
		const bodyText = reader ? await abortable(readText(reader), controller.signal) : '';
		if (bodyText === undefined) return { kind: 'too-large', response };
		return { kind: 'response', response, bodyText };
	} catch (error) {
		if (signal?.aborted) throw signal.reason;
		// tokenkeeper's own refusal from inside the fetch (DPoP without a usable key) is no network failure to retry.
		if (isTokenkeeperError(error)) throw error;
		if (timedOut) return { kind: 'timeout' };
		return { kind: 'network', error };
	} finally {
		clearTimeout(timer);
		// Cancelling the stream itself, not only aborting the fetch, stops a body whose source ignores the signal.
		reader?.cancel().catch(() => undefined);
		if (!controller.signal.aborted) controller.abort();
		signal?.removeEventListener('abort', onAbort);
	}
}

/** The body as UTF-8 text, or `undefined` as soon as it passes {@link MAX_RESPONSE_BYTES}. */
async function readText(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | undefined> {
	// Streaming decode: a multi-byte character split across two chunks is joined, not replaced.
	const decoder = new TextDecoder();
	let text = '';
	let bytes = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return text + decoder.decode();
		bytes += value.byteLength;
		if (bytes > MAX_RESPONSE_BYTES) return undefined;
		text += decoder.decode(value, { stream: true });
	}
}

/**
 * The answer of a bounded request, or the error it ends with: a body too large (a {@link TokenResponseError}, never
 * retried: a server that sent that much once will again), or no answer at all (a {@link NetworkError} of one attempt,
 * which a token request retries). `what` names the endpoint for a person; only the host of `url` is shown.
 */
export function answerOf(outcome: BoundedOutcome, what: string, url: string): { readonly response: Response; readonly bodyText: string } {
	const host = new URL(url).host;
	if (outcome.kind === 'too-large') {
		const { status } = outcome.response;
		throw new TokenResponseError(
			`The ${what} at ${host} answered ${status} with a body too large (more than 1 MiB). ${CHECK_ENDPOINT_URL}`,
			{
				status,
				response: outcome.response,
			},
		);
	}
	if (outcome.kind === 'timeout') {
		throw new NetworkError(`The ${what} at ${host} did not answer in time. Check the network, or raise \`timeout\`.`, {
			attempts: 1,
			timeout: true,
		});
	}
	if (outcome.kind === 'network') {
		throw new NetworkError(`The ${what} at ${host} could not be reached. Check the URL and the network.`, {
			attempts: 1,
			cause: sanitizeCause((outcome.error as { cause?: unknown })?.cause ?? outcome.error),
		});
	}
	return outcome;
}

/** Keep a network cause's name, message and code only: never a request, never a header. */
function sanitizeCause(cause: unknown): Error | undefined {
	if (!(cause instanceof Error)) return undefined;
	const clean = new Error(cause.message);
	clean.name = cause.name;
	const code = (cause as { code?: unknown }).code;
	if (typeof code === 'string') Object.assign(clean, { code });
	return clean;
}

/** A 3xx, or the opaque answer browsers give for `redirect: 'manual'`. */
export function isRedirect(response: Response): boolean {
	return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}
