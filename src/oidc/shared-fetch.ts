import { abortable } from '../abortable.js';

/** One fetch shared by every caller waiting for it (the JWKS's); aborted only when every caller has stopped waiting. */
export interface SharedFetch<T> {
	readonly keys: Promise<T>;
	readonly controller: AbortController;
	waiting: number;
	/** A caller without a signal is waiting: the fetch runs to its end (bounded by `fetchJwks`'s own timeout). */
	held: boolean;
}

/** Wait for `fetch` until `signal` aborts (then leave it, and abort it if nobody else waits). */
export function joinSharedFetch<T>(fetch: SharedFetch<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) {
		fetch.held = true;
		return fetch.keys;
	}
	fetch.waiting += 1;
	const leave = () => {
		fetch.waiting -= 1;
		if (fetch.waiting === 0 && !fetch.held) fetch.controller.abort(signal.reason);
	};
	signal.addEventListener('abort', leave, { once: true });
	fetch.keys.finally(() => signal.removeEventListener('abort', leave)).catch(() => undefined);
	return abortable(fetch.keys, signal);
}
