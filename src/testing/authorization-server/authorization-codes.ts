import { randomBase64Url, randomHex } from '../emulator/random.js';

/** What an authorization code stands for, fixed at the authorization endpoint. */
export interface CodeGrant {
	readonly clientId: string;
	/** The redirect URI sent at the authorization endpoint: the token request must repeat it exactly. */
	readonly redirectUri: string;
	/** The S256 `code_challenge`, when the client sent one. */
	readonly codeChallenge: string | undefined;
	readonly scope: string;
	readonly subject: string;
	/** The login every token issued from this code will belong to. */
	readonly session: string;
	/** The `dpop_jkt` of the authorization request: only a proof by that key may exchange the code (RFC 9449 10). */
	readonly dpopJkt?: string | undefined;
	/** The resources the authorization request named (RFC 8707 2.1); undefined: none, so every resource of the server. */
	readonly resources?: readonly string[] | undefined;
	/** The authorization request's `nonce` (OpenID Connect Core 3.1.2.1), which the code's ID token carries. */
	readonly nonce?: string | undefined;
	/** When the user logged in (approved the request), in seconds since the epoch. */
	readonly authTime: number;
}

/** Why a code was refused; `used` is a replay, whose session must die. */
export type CodeRefusal = 'unknown' | 'used' | 'expired';

/** The outcome of redeeming a code; a replay carries the grant, so its session can be revoked. */
export type CodeOutcome =
	| { readonly ok: true; readonly grant: CodeGrant }
	| { readonly ok: false; readonly reason: CodeRefusal; readonly grant?: CodeGrant };

interface CodeRecord {
	readonly grant: CodeGrant;
	readonly expiresAt: number;
	spent: boolean;
}

/**
 * Authorization codes: short-lived and single use. A code is spent by its first redemption, even a
 * failed one (wrong verifier, wrong redirect URI), so a stolen code cannot be used to guess a verifier.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export class AuthorizationCodes {
	readonly #now: () => number;
	readonly #codes = new Map<string, CodeRecord>();

	constructor(now: () => number) {
		this.#now = now;
	}

	/** Issues a code for `grant` (without its session, which is made here) that lives `lifetime` seconds. */
	issue(grant: Omit<CodeGrant, 'session'>, lifetime: number): string {
		const code = randomBase64Url(32);
		const session = randomHex(16);
		this.#codes.set(code, { grant: { ...grant, session }, expiresAt: this.#now() + lifetime * 1000, spent: false });
		return code;
	}

	/** Spends a code. Synchronous on purpose, so two concurrent redemptions cannot both win. */
	redeem(code: string): CodeOutcome {
		const record = this.#codes.get(code);
		if (!record) return { ok: false, reason: 'unknown' };
		if (record.spent) return { ok: false, reason: 'used', grant: record.grant };
		record.spent = true;
		if (this.#now() >= record.expiresAt) return { ok: false, reason: 'expired' };
		return { ok: true, grant: record.grant };
	}
}
