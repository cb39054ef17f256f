import { requireString } from './options.js';

/**
 * A set of tokens from one token response: immutable, camelCase, absolute expiry in epoch ms.
 * It never prints a token: `toJSON`, `toString` and Node's `util.inspect` show `[redacted]`.
 */
export interface TokenSet {
	readonly accessToken: string;
	/** Normalized: `bearer` becomes `Bearer`, `dpop` becomes `DPoP`. */
	readonly tokenType: string;
	/** Epoch ms when the access token expires; `undefined` when the server gave no `expires_in`. */
	readonly expiresAt: number | undefined;
	readonly refreshToken?: string | undefined;
	readonly scope?: string | undefined;
	readonly idToken?: string | undefined;
	/** Epoch ms when the tokens were received: with `expiresAt`, the token's lifetime, which scales the leeway. */
	readonly receivedAt?: number | undefined;
}

/** What {@link createTokenSet} accepts: `expiresAt` (epoch ms) or `expiresIn` (seconds from now). */
export interface TokenSetInit {
	readonly accessToken: string;
	readonly tokenType?: string | undefined;
	readonly expiresAt?: number | undefined;
	readonly expiresIn?: number | undefined;
	readonly refreshToken?: string | undefined;
	readonly scope?: string | undefined;
	readonly idToken?: string | undefined;
	/** Epoch ms when the tokens were received; lets freshness scale the leeway for short-lived tokens. */
	readonly receivedAt?: number | undefined;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');
/** What is shown in place of a secret: a token here, an echoed secret in an error, anything the CLI prints. */
export const REDACTED = '[redacted]';

class ImmutableTokenSet implements TokenSet {
	// Declared here, defined non-enumerable in the constructor: out of Object.keys, spreads and
	// structured loggers, yet readable through proxies (private #fields would throw there).
	declare readonly accessToken: string;
	declare readonly refreshToken: string | undefined;
	declare readonly idToken: string | undefined;
	declare readonly tokenType: string;
	declare readonly expiresAt: number | undefined;
	declare readonly scope: string | undefined;
	declare readonly receivedAt: number | undefined;

	constructor(init: TokenSetInit & Pick<TokenSetRecord, 'targets' | 'claims'>, now: number) {
		// A defined property is non-enumerable unless it says otherwise.
		Object.defineProperties(this, {
			accessToken: { value: init.accessToken },
			refreshToken: { value: init.refreshToken },
			idToken: { value: init.idToken },
			// A session entry's tokens by target (session-tokens.ts): internal, never printed, stored with the record.
			targets: { value: init.targets },
			// The checked claims of the ID token (OpenID Connect): internal, never printed, stored with the record.
			claims: { value: init.claims },
		});
		this.tokenType = normalizeTokenType(init.tokenType);
		this.expiresAt = init.expiresAt ?? (init.expiresIn === undefined ? undefined : now + init.expiresIn * 1000);
		this.scope = init.scope;
		this.receivedAt = init.receivedAt ?? now;
		Object.freeze(this);
	}

	toJSON(): Record<string, unknown> {
		// Fields left undefined drop out of the JSON, as absent ones would.
		return {
			accessToken: REDACTED,
			tokenType: this.tokenType,
			expiresAt: this.expiresAt,
			refreshToken: redacted(this.refreshToken),
			scope: this.scope,
			idToken: redacted(this.idToken),
		};
	}

	toString(): string {
		const date = new Date(this.expiresAt ?? Number.NaN);
		// Printing must never throw (it is what loggers call): an expiry beyond any date prints as its number.
		const expiry =
			this.expiresAt === undefined ? 'no expiry' : `expires ${Number.isNaN(date.getTime()) ? this.expiresAt : date.toISOString()}`;
		return `TokenSet(${this.tokenType}, ${expiry}${this.refreshToken === undefined ? '' : ', with refresh token'})`;
	}

	[inspectSymbol](): string {
		return this.toString();
	}
}

/** `[redacted]` in place of a token that exists. */
function redacted(token: string | undefined): string | undefined {
	return token === undefined ? undefined : REDACTED;
}

/** `bearer` -> `Bearer`, `dpop` -> `DPoP` (token types are case-insensitive); other types keep their spelling. */
export function normalizeTokenType(tokenType: string | undefined): string {
	const lower = tokenType?.toLowerCase();
	return lower === undefined || lower === 'bearer' ? 'Bearer' : lower === 'dpop' ? 'DPoP' : (tokenType as string);
}

/**
 * Make an immutable {@link TokenSet}.
 * @example
 * createTokenSet({ accessToken, refreshToken, expiresIn: 3600 })
 */
export function createTokenSet(init: TokenSetInit, now: number = Date.now()): TokenSet {
	requireString(init?.accessToken, 'accessToken');
	return new ImmutableTokenSet(init, now);
}

/**
 * The access tokens by target that a session's entry holds, as records; `undefined` for an entry of its default token
 * alone. Internal: see session-tokens.ts.
 */
export function targetsOf(entry: TokenSet): Readonly<Record<string, TokenSetRecord | undefined>> | undefined {
	return (entry as TokenSetRecord).targets || undefined;
}

/**
 * When the last access token of `entry` expires, its targets' included (an entry is worth keeping until then);
 * `undefined` when one has no expiry.
 */
export function lastExpiry(entry: TokenSet): number | undefined {
	let last = entry.expiresAt;
	for (const target of Object.values(targetsOf(entry) ?? {})) {
		if (target) last = last === undefined || typeof target.expiresAt !== 'number' ? undefined : Math.max(last, target.expiresAt);
	}
	return last;
}

/**
 * The claims of the session's ID token, as they were when it was checked (OpenID Connect Core 3.1.3.7); `undefined`
 * when no checked ID token came with it. Internal: see oidc/.
 */
export function claimsOf(entry: TokenSet | undefined): Readonly<Record<string, unknown>> | undefined {
	return (entry as TokenSetRecord | undefined)?.claims || undefined;
}

/** A new token set with some fields replaced (a session entry's `targets` too). */
export function withTokenSetChanges(tokenSet: TokenSet, changes: Partial<TokenSetInit & TokenSetRecord>, now: number): TokenSet {
	return new ImmutableTokenSet({ ...toTokenSetRecord(tokenSet), ...changes }, now);
}

/**
 * Fresh = more than `leeway` ms before `expiresAt`. A token without expiry is fresh until it is rejected.
 * For tokens that live less than twice the leeway, half their lifetime is the leeway, so a 20 s token
 * is reused for 10 s instead of being fetched on every call.
 */
export function isFresh(tokenSet: TokenSet, now: number, leeway: number): boolean {
	return now < freshUntil(tokenSet, leeway);
}

/** When the token set stops being fresh (see {@link isFresh}), in epoch ms; infinite without an expiry. */
export function freshUntil(tokenSet: TokenSet, leeway: number): number {
	if (tokenSet.expiresAt === undefined) return Number.POSITIVE_INFINITY;
	const { receivedAt } = tokenSet;
	const lifetime = receivedAt === undefined ? Number.POSITIVE_INFINITY : tokenSet.expiresAt - receivedAt;
	return tokenSet.expiresAt - Math.min(leeway, Math.max(0, lifetime / 2));
}

/** A plain record of every field, tokens included: for stores that serialise. Never log it. */
export interface TokenSetRecord {
	accessToken: string;
	tokenType: string;
	expiresAt?: number | undefined;
	refreshToken?: string | undefined;
	scope?: string | undefined;
	idToken?: string | undefined;
	receivedAt?: number | undefined;
	/**
	 * A session entry's access tokens by target, without the session's refresh and ID tokens (they are above); read
	 * back as they are, each checked when it is used.
	 */
	targets?: Readonly<Record<string, TokenSetRecord | undefined>> | undefined;
	/** The checked claims of the session's ID token (see {@link claimsOf}), kept with it. */
	claims?: Readonly<Record<string, unknown>> | undefined;
}

/** Every field a record holds, and its type there: what {@link fromTokenSetRecord} accepts back. */
const RECORD_FIELDS = {
	accessToken: 'string',
	tokenType: 'string',
	expiresAt: 'number',
	refreshToken: 'string',
	scope: 'string',
	idToken: 'string',
	receivedAt: 'number',
	targets: 'object',
	claims: 'object',
} as const;

/** Every field of a token set as a plain object (tokens included), for a store to serialise. */
export function toTokenSetRecord(tokenSet: TokenSet): TokenSetRecord {
	// Read field by field: the tokens are non-enumerable, so a spread would miss them.
	const record: Record<string, unknown> = {};
	for (const field of Object.keys(RECORD_FIELDS)) record[field] = tokenSet[field as keyof TokenSet];
	return record as unknown as TokenSetRecord;
}

/** The inverse of {@link toTokenSetRecord}; `undefined` when the record is not a token set. */
export function fromTokenSetRecord(record: unknown): TokenSet | undefined {
	if (typeof record !== 'object' || record === null) return undefined;
	// A field of another type (a damaged or foreign entry) reads as absent; without an access token there is no set.
	const init: Record<string, unknown> = {};
	for (const [field, type] of Object.entries(RECORD_FIELDS)) {
		const value = (record as Record<string, unknown>)[field];
		if (typeof value === type) init[field] = value;
	}
	return init.accessToken ? createTokenSet(init as unknown as TokenSetInit) : undefined;
}
