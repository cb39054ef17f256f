/** The most proof ids remembered at once; past it the oldest go first (they are outside the iat window by then). */
const MAX_REMEMBERED = 100_000;

/**
 * The `jti` of every proof accepted within the iat window, so that a proof sent twice is refused (RFC 9449 11.1).
 * An id is forgotten once its proof could no longer pass the iat check anyway.
 */
export class SeenProofs {
	readonly #until = new Map<string, number>();

	/** `false` when `jti` was seen already (a replay); else remembers it until `forgetAfter` (seconds). */
	remember(jti: string, forgetAfter: number, now: number): boolean {
		for (const [id, until] of this.#until) {
			// Map order is insertion order, about iat order: stop at the first one still live.
			if (until >= now && this.#until.size <= MAX_REMEMBERED) break;
			this.#until.delete(id);
		}
		if (this.#until.has(jti)) return false;
		this.#until.set(jti, forgetAfter);
		return true;
	}
}
