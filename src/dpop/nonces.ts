/** The most servers whose nonce a session remembers; past that, the one heard from least recently is forgotten. */
const MAX_ORIGINS = 64;

/**
 * The latest `DPoP-Nonce` each server (origin) sent, so that the next proof carries it and pays no extra round trip
 * (RFC 9449 8 and 9). A token endpoint and an API are kept in separate books, even on one origin: their nonces are
 * their own.
 */
export function createNonceBook() {
	const nonces = new Map<string, string>();
	return {
		get(url: string): string | undefined {
			return nonces.get(new URL(url).origin);
		},
		/** Remember the nonce an answer carries, if any; returns it. */
		remember(url: string, response: Response): string | undefined {
			const nonce = response.headers.get('dpop-nonce') ?? undefined;
			if (nonce === undefined) return undefined;
			const origin = new URL(url).origin;
			// Re-inserted, so that the map's order is the order servers were last heard from.
			nonces.delete(origin);
			nonces.set(origin, nonce);
			if (nonces.size > MAX_ORIGINS) nonces.delete(nonces.keys().next().value as string);
			return nonce;
		},
		clear(): void {
			nonces.clear();
		},
	};
}

/** One session's nonces, per server: see {@link createNonceBook}. */
export type NonceBook = ReturnType<typeof createNonceBook>;
