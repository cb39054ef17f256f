import { requireUrl } from './options.js';
import { normalizeScope } from './scope.js';
import type { Provider } from './provider.js';
import {
	claimsOf,
	fromTokenSetRecord,
	lastExpiry,
	targetsOf,
	toTokenSetRecord,
	withTokenSetChanges,
	type TokenSet,
	type TokenSetRecord,
} from './token-set.js';

/**
 * What a token is for: an API (`resource`, RFC 8707) and the scope asked for it. `key` names it in the session's
 * entry: `''` for the session's default, the provider's `resource` and `scope`.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export interface TokenTarget {
	readonly key: string;
	readonly resource: string | undefined;
	readonly scope: string | undefined;
}

/**
 * The targets of a provider's sessions: the default (its `resource` and `scope`, key `''`), and any other, checked
 * once per call. The key does not depend on the order of scopes; asking for the default by name is the default.
 */
export function createTargets(provider: Pick<Provider, 'resource' | 'scope'>) {
	const keyOf = (resource: string | undefined, scope: string | undefined) =>
		`${resource ?? ''} ${scope?.split(' ').sort().join(' ') ?? ''}`;
	const defaultTarget: TokenTarget = { key: '', resource: provider.resource, scope: provider.scope };
	const defaultKey = keyOf(provider.resource, provider.scope);
	return {
		defaultTarget,
		of(resource = provider.resource, scope: string | readonly string[] | undefined = provider.scope): TokenTarget {
			const target = { resource: resource && requireUrl(resource, 'resource'), scope: normalizeScope(scope) };
			const key = keyOf(target.resource, target.scope);
			return key === defaultKey ? defaultTarget : { key, ...target };
		},
	};
}

/**
 * A session holds one refresh token and one access token per target, all in one stored entry, so that one read
 * serves every API and a rotated refresh token replaces the only copy. The entry is a token set: on top, the token
 * the last token request returned (its access token changes with every request, which is what compare-and-set
 * matches on) with the session's refresh and ID tokens; beside it, `targets`, every access token by target as a record
 * without them. An entry of the default token alone is the token set itself, as every entry was before targets: such
 * sessions store what they did.
 */

/**
 * The token of `key` in `entry`, with the session's refresh and ID tokens (what a caller and refresh-ahead read off a
 * token); `undefined` if none, or a damaged record.
 */
export function tokenOf(entry: TokenSet | undefined, key: string): TokenSet | undefined {
	const targets = entry && targetsOf(entry);
	if (!targets) return key ? undefined : entry;
	const record = targets[key];
	return record
		? fromTokenSetRecord({ ...record, refreshToken: entry.refreshToken, idToken: entry.idToken, targets: undefined, claims: undefined })
		: undefined;
}

/** The target whose token `accessToken` is in `entry`, or `undefined`. */
export function targetOfToken(entry: TokenSet | undefined, accessToken: string): string | undefined {
	const targets: Readonly<Record<string, { accessToken?: string } | undefined>> = (entry && targetsOf(entry)) ?? { '': entry };
	return Object.keys(targets).find((key) => targets[key]?.accessToken === accessToken);
}

/** A token as an entry's targets keep it: without the session's refresh and ID tokens, which the entry holds. */
const alone = (tokenSet: TokenSet): TokenSetRecord => ({
	...toTokenSetRecord(tokenSet),
	refreshToken: undefined,
	idToken: undefined,
	targets: undefined,
	claims: undefined,
});

/**
 * The entry after a token request for `key` returned `obtained`: the session's refresh and ID tokens renewed where the
 * answer has them (kept where it has none: a server that does not rotate), its token for `key`, every other kept.
 * The default token alone stays an entry of one token, as every entry was before targets.
 */
export function withObtained(entry: TokenSet | undefined, key: string, obtained: TokenSet, now: number): TokenSet {
	const targets = entry && targetsOf(entry);
	return withTokenSetChanges(
		obtained,
		{
			refreshToken: obtained.refreshToken ?? entry?.refreshToken,
			idToken: obtained.idToken ?? entry?.idToken,
			// The claims go with the ID token they were checked from: a new one brings its own (or none, unchecked).
			claims: obtained.idToken === undefined ? claimsOf(entry) : claimsOf(obtained),
			targets: key || targets ? { ...(targets ?? (entry && { '': alone(entry) })), [key]: alone(obtained) } : undefined,
		},
		now,
	);
}

/** The entry without the token of `key` (the default one of an entry without targets expires, at the epoch). */
export function withoutToken(entry: TokenSet, key: string, now: number): TokenSet {
	const targets = targetsOf(entry);
	return withTokenSetChanges(entry, targets ? { targets: { ...targets, [key]: undefined } } : { expiresAt: 0 }, now);
}

/**
 * How long a store keeps `entry`: without a refresh token, until its last access token expired and a minute more;
 * with one, or a token that never expires, as long as the store keeps entries.
 */
export function entryLifetime(entry: TokenSet, now: number): number | undefined {
	const last = lastExpiry(entry);
	return entry.refreshToken !== undefined || last === undefined ? undefined : Math.max(0, last - now) + 60_000;
}
