import { requireUrl } from './options.js';
import { normalizeScope } from './scope.js';
import type { Provider } from './provider.js';
import { createSessionEntry, targetsOf, withTokenSetChanges, type TokenSet } from './token-set.js';

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
 * matches on) with the session's refresh and ID tokens; beside it, every access token by target, without them. An
 * entry of the default token alone is the token set itself, as every entry was before targets: such sessions store
 * what they did.
 */

/** The token of `key` in `entry` (the default one with the session's refresh and ID tokens); `undefined` if none. */
export function tokenOf(entry: TokenSet | undefined, key: string): TokenSet | undefined {
	const targets = entry && targetsOf(entry);
	return targets ? targets.get(key) : key === '' ? entry : undefined;
}

/** The target whose token `accessToken` is in `entry`, or `undefined`. */
export function targetOfToken(entry: TokenSet | undefined, accessToken: string): string | undefined {
	for (const [key, tokenSet] of (entry && targetsOf(entry)) ?? [['', entry] as const]) {
		if (tokenSet?.accessToken === accessToken) return key;
	}
	return undefined;
}

/**
 * The entry after a token request for `key` returned `obtained`: the session's refresh and ID tokens renewed where the
 * answer has them (kept where it has none: a server that does not rotate), its token for `key`, every other kept.
 */
export function withObtained(entry: TokenSet | undefined, key: string, obtained: TokenSet, now: number): TokenSet {
	const session = { refreshToken: obtained.refreshToken ?? entry?.refreshToken, idToken: obtained.idToken ?? entry?.idToken };
	const top = withTokenSetChanges(obtained, session, now);
	const targets = entry && targetsOf(entry);
	// The default token alone stays an entry of one token, as every entry was before targets.
	if (key === '' && !targets) return top;
	const before = targets ?? (entry ? [['', withTokenSetChanges(entry, NO_SESSION, now)] as const] : []);
	return createSessionEntry(top, new Map(before).set(key, withTokenSetChanges(obtained, NO_SESSION, now)));
}

/** The entry without the token of `key` (the default one of an entry without targets expires, at the epoch). */
export function withoutToken(entry: TokenSet, key: string, now: number): TokenSet {
	const targets = targetsOf(entry);
	if (!targets) return withTokenSetChanges(entry, { expiresAt: 0 }, now);
	const next = new Map(targets);
	next.delete(key);
	return createSessionEntry(entry, next);
}

/** How long a store keeps `entry`: an entry of one token without a refresh token, until it expired and a minute more. */
export function entryLifetime(entry: TokenSet, now: number): number | undefined {
	if (entry.refreshToken !== undefined || entry.expiresAt === undefined || targetsOf(entry)) return undefined;
	return Math.max(0, entry.expiresAt - now) + 60_000;
}

const NO_SESSION = { refreshToken: undefined, idToken: undefined };
