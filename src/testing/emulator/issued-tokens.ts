/** Who a token was issued to, shared by an access token and the refresh token issued with it. */
export interface Grant {
	/** The provider that issued the token; a token is only valid at its own provider. */
	readonly provider: string;
	readonly clientId: string;
	/** The end user (password or authorization code grants). */
	readonly subject?: string;
	readonly roles: readonly string[];
	readonly scope: string;
	/**
	 * The login the token belongs to (authorization code grant): every token issued from one code and
	 * its refreshes shares it, so a detected replay can revoke them all.
	 */
	readonly session?: string;
	/** The JWK thumbprint of the DPoP key the tokens are bound to (`cnf.jkt`, RFC 9449 6); none: Bearer. */
	readonly jkt?: string;
	/**
	 * The resources (RFC 8707) named at authorization, which the grant's tokens may be issued for; undefined: every
	 * resource of the server. One refresh token family serves them all.
	 */
	readonly resources?: readonly string[] | undefined;
	/** When the user logged in, in seconds since the epoch: the `auth_time` of every ID token of the login. */
	readonly authTime?: number | undefined;
}

/** What one access token is for: the resource it was issued for (its audience, RFC 8707) and its scope. */
export interface AccessTarget {
	/** Undefined: issued without `resource`, for the server's own endpoints (userinfo), which no resource accepts. */
	readonly audience: string | undefined;
	readonly scope: string;
}

/** An issued access token. */
export interface AccessTokenRecord extends Grant {
	readonly audience?: string | undefined;
	readonly expiresAt: number;
	readonly revoked: boolean;
}

/** Why a refresh token was refused. */
export type RefreshRefusal = 'unknown' | 'wrong-client' | 'used' | 'revoked';

/** The outcome of presenting a refresh token; a refusal of a known token carries its grant. */
export type RefreshOutcome =
	| { readonly ok: true; readonly grant: Grant }
	| { readonly ok: false; readonly reason: RefreshRefusal; readonly grant?: Grant };

/** The outcome of a revocation request (RFC 7009): an unknown token is not an error. */
export type RevokeOutcome = 'revoked' | 'unknown' | 'wrong-client';

interface MutableAccess extends Grant {
	readonly audience?: string | undefined;
	expiresAt: number;
	revoked: boolean;
}

interface MutableRefresh {
	readonly grant: Grant;
	/** The access token issued together with it: rotation revokes it, as league/oauth2-server does. */
	readonly accessToken: string;
	state: 'active' | 'used' | 'revoked';
}

/**
 * Every token the emulator has issued, for every provider. Validity is decided here and nowhere
 * else, so the expire/revoke switches act the same on all providers.
 */
export class IssuedTokens {
	readonly #now: () => number;
	readonly #access = new Map<string, MutableAccess>();
	readonly #refresh = new Map<string, MutableRefresh>();

	constructor(now: () => number) {
		this.#now = now;
	}

	/** Records an access token that lives `expiresIn` seconds from now; `audience`: the resource it is for. */
	addAccess(token: string, grant: Grant, expiresIn: number, audience?: string): void {
		this.#access.set(token, { ...grant, audience, expiresAt: this.#now() + expiresIn * 1000, revoked: false });
	}

	/** Records a refresh token; `accessToken` is the access token issued in the same response. */
	addRefresh(token: string, grant: Grant, accessToken: string): void {
		this.#refresh.set(token, { grant, accessToken, state: 'active' });
	}

	/** The record of a live (known, unrevoked, unexpired) access token of `provider`, else undefined. */
	validAccess(token: string | undefined, provider: string): AccessTokenRecord | undefined {
		const record = token === undefined ? undefined : this.#access.get(token);
		if (!record || record.provider !== provider || record.revoked) return undefined;
		return this.#now() < record.expiresAt ? record : undefined;
	}

	/**
	 * The grant of an active refresh token of `provider`, without spending it, so a request can be checked (scope, DPoP
	 * key, resource) before it costs the client its token; undefined for any other token.
	 */
	activeRefresh(token: string, provider: string): Grant | undefined {
		const record = this.#refresh.get(token);
		return record?.grant.provider === provider && record.state === 'active' ? record.grant : undefined;
	}

	/**
	 * Spends a refresh token: it works once. On success the access token issued with it is revoked too, when the
	 * new one replaces it: always without `replacement`; with one, only a token for the same resource and scope, so
	 * a refresh for another resource leaves the tokens of the others alive (one family serves every resource).
	 * Synchronous on purpose, so two concurrent refreshes cannot both win.
	 */
	useRefresh(token: string, provider: string, clientId: string, replacement?: AccessTarget): RefreshOutcome {
		const record = this.#refresh.get(token);
		if (!record || record.grant.provider !== provider) return { ok: false, reason: 'unknown' };
		if (record.grant.clientId !== clientId) return { ok: false, reason: 'wrong-client' };
		if (record.state !== 'active') return { ok: false, reason: record.state, grant: record.grant };
		record.state = 'used';
		const access = this.#access.get(record.accessToken);
		if (access && (replacement === undefined || (access.audience === replacement.audience && access.scope === replacement.scope))) {
			access.revoked = true;
		}
		return { ok: true, grant: record.grant };
	}

	/**
	 * Revokes one token of `provider` for `clientId`: an access token alone, a refresh token with its
	 * whole session (or, without a session, with the access token issued beside it).
	 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
	 */
	revoke(token: string, provider: string, clientId: string): RevokeOutcome {
		const access = this.#access.get(token);
		if (access && access.provider === provider) {
			if (access.clientId !== clientId) return 'wrong-client';
			access.revoked = true;
			return 'revoked';
		}
		const refresh = this.#refresh.get(token);
		if (!refresh || refresh.grant.provider !== provider) return 'unknown';
		if (refresh.grant.clientId !== clientId) return 'wrong-client';
		if (refresh.grant.session !== undefined) {
			this.revokeSession(refresh.grant.session);
		} else {
			if (refresh.state === 'active') refresh.state = 'revoked';
			const paired = this.#access.get(refresh.accessToken);
			if (paired) paired.revoked = true;
		}
		return 'revoked';
	}

	/** Every access and refresh token of one login stops working (replay detected, or logout). */
	revokeSession(session: string): void {
		for (const record of this.#access.values()) if (record.session === session) record.revoked = true;
		for (const record of this.#refresh.values()) {
			// A used token stays `used`, so presenting it later still counts as reuse.
			if (record.grant.session === session && record.state === 'active') record.state = 'revoked';
		}
	}

	/**
	 * Every active refresh token of `subject` at `provider` stops working: those issued to `clientId`, or to any client
	 * without one. Access tokens live on, as a logout at a real provider leaves the JWTs it issued valid until they expire.
	 */
	revokeRefreshTokensOf(provider: string, subject: string, clientId: string | undefined): void {
		for (const record of this.#refresh.values()) {
			const { grant } = record;
			if (grant.provider !== provider || grant.subject !== subject || record.state !== 'active') continue;
			if (clientId === undefined || grant.clientId === clientId) record.state = 'revoked';
		}
	}

	/** Every access and refresh token stops working, like a server-side revocation or key change. */
	revokeAll(): void {
		for (const record of this.#access.values()) record.revoked = true;
		// A used token stays `used`, so presenting it later still counts as reuse.
		for (const record of this.#refresh.values()) if (record.state === 'active') record.state = 'revoked';
	}

	/** Every access token expires now; refresh tokens keep working. */
	expireAll(): void {
		const now = this.#now();
		for (const record of this.#access.values()) record.expiresAt = Math.min(record.expiresAt, now);
	}
}
