/**
 * Requests held open by the `hang` fault. Each waits until its client goes away or the emulator
 * closes, then settles as a network error, so nothing is left pending after `close()`.
 */
export class HangingRequests {
	readonly #releases = new Set<() => void>();
	#closed = false;

	/** Never answers until `signal` aborts or `releaseAll()` runs; then resolves to `Response.error()`. */
	wait(signal: AbortSignal): Promise<Response> {
		return new Promise((resolve) => {
			if (this.#closed || signal.aborted) {
				resolve(Response.error());
				return;
			}
			const release = (): void => {
				signal.removeEventListener('abort', release);
				this.#releases.delete(release);
				resolve(Response.error());
			};
			signal.addEventListener('abort', release, { once: true });
			this.#releases.add(release);
		});
	}

	/** Ends every hanging request and makes later hangs end at once. */
	close(): void {
		this.#closed = true;
		for (const release of [...this.#releases]) release();
	}
}
