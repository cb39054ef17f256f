/**
 * Requests the emulator holds open: by the `hang` fault, until their client goes away or the emulator closes (then
 * they settle as a network error), and by `tokenLatency`, for a while. Nothing is left pending after `close()`.
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

	/**
	 * Waits `ms`, then resolves `true`; resolves `false` at once when `signal` aborts or the emulator closes first,
	 * so a request whose client went away is not answered.
	 */
	pause(ms: number, signal: AbortSignal): Promise<boolean> {
		return new Promise((resolve) => {
			if (this.#closed || signal.aborted) {
				resolve(false);
				return;
			}
			const finish = (elapsed: boolean): void => {
				clearTimeout(timer);
				signal.removeEventListener('abort', release);
				this.#releases.delete(release);
				resolve(elapsed);
			};
			const release = (): void => finish(false);
			const timer = setTimeout(() => finish(true), ms);
			signal.addEventListener('abort', release, { once: true });
			this.#releases.add(release);
		});
	}

	/** Ends every hanging or pausing request and makes later ones end at once. */
	close(): void {
		this.#closed = true;
		for (const release of [...this.#releases]) release();
	}
}
