import type { Transport } from './transport.js';

/** What a bounded request ended with, before any meaning is given to the status. */
export type BoundedOutcome =
	| { readonly kind: 'response'; readonly response: Response; readonly bodyText: string }
	| { readonly kind: 'timeout' }
	| { readonly kind: 'network'; readonly error: unknown };

/**
 * Send one request to a token, discovery or revocation endpoint and read its whole body, within
 * `transport.timeout` (headers and body together: a server that stalls mid-body cannot hang the caller).
 * The caller's signal aborts at once and rejects with its reason. Redirects are not followed: a 307 from a
 * token endpoint would re-send the client secret to wherever it points.
 */
export async function boundedRequest(
	url: string,
	init: Omit<RequestInit, 'signal' | 'redirect'>,
	transport: Transport,
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
	// Raced as well as passed on: a fetch (or a body stream) that ignores its signal still cannot hang us.
	const aborted = new Promise<never>((_, reject) => {
		controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
	});
	aborted.catch(() => undefined);
	try {
		const response = await Promise.race([transport.fetch(url, { ...init, redirect: 'manual', signal: controller.signal }), aborted]);
		const bodyText = await Promise.race([response.text(), aborted]);
		return { kind: 'response', response, bodyText };
	} catch (error) {
		if (signal?.aborted) throw signal.reason;
		if (timedOut) return { kind: 'timeout' };
		return { kind: 'network', error };
	} finally {
		clearTimeout(timer);
		if (!controller.signal.aborted) controller.abort();
		signal?.removeEventListener('abort', onAbort);
	}
}

/** A 3xx, or the opaque answer browsers give for `redirect: 'manual'`. */
export function isRedirect(response: Response): boolean {
	return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}
