import type { TokenSet } from '../../src/index.js';
import { toTokenSetRecord, type TokenSetRecord } from '../../src/token-set.js';

/**
 * A session's entry as a store serialises it (JSON: absent fields dropped), tokens included: the store format the
 * #24 tests pin, rather than how the manager holds an entry in memory. Never log it.
 */
export function storedRecord(entry: TokenSet | undefined): (TokenSetRecord & Record<string, unknown>) | undefined {
	return entry && JSON.parse(JSON.stringify(toTokenSetRecord(entry)));
}

/** The access tokens an entry holds by target, as serialised; none for an entry of its default token alone. */
export function storedTargets(entry: TokenSet | undefined): TokenSetRecord[] {
	return Object.values(storedRecord(entry)?.targets ?? {}).filter((target): target is TokenSetRecord => target != null);
}

/** The access tokens an entry holds by target, sorted. */
export function storedAccessTokens(entry: TokenSet | undefined): string[] {
	return storedTargets(entry)
		.map(({ accessToken }) => accessToken)
		.sort();
}
