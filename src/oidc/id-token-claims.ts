import { IdTokenError } from '../errors.js';

/** The claims of a checked ID token (OpenID Connect Core 2), and any others the provider put in it. */
export interface IdTokenClaims {
	readonly iss: string;
	readonly sub: string;
	readonly aud: string | readonly string[];
	readonly exp: number;
	readonly iat: number;
	readonly nonce?: string;
	readonly azp?: string;
	readonly auth_time?: number;
	readonly [claim: string]: unknown;
}

/** What the claims must say: the issuer and client of the session, this login's nonce, and the time. */
export interface ClaimExpectations {
	readonly issuer: string;
	readonly clientId: string;
	readonly nonce?: string | undefined;
	/** Epoch ms. */
	readonly now: number;
	/** Seconds. */
	readonly clockTolerance: number;
}

type Claims = Readonly<Record<string, unknown>>;

function isTime(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}

function checkIssuer(claims: Claims, { issuer }: ClaimExpectations): void {
	if (claims.iss !== issuer) {
		throw new IdTokenError(
			'iss',
			`The ID token was not issued by \`issuer\` (${issuer}): its \`iss\` is another. Check \`issuer\`; a token of another provider is refused.`,
		);
	}
}

function audiences(claims: Claims): readonly string[] {
	const { aud } = claims;
	if (typeof aud === 'string') return [aud];
	if (Array.isArray(aud) && aud.length > 0 && aud.every((item) => typeof item === 'string')) return aud;
	throw new IdTokenError('aud', "The ID token has no `aud` (a string or an array of strings). Check the provider's ID tokens.");
}

function checkAudience(claims: Claims, { clientId }: ClaimExpectations): void {
	if (!audiences(claims).includes(clientId)) {
		throw new IdTokenError('aud', 'The ID token is not meant for this client: its `aud` does not list `clientId`. Check `clientId`.');
	}
}

function checkAuthorizedParty(claims: Claims, { clientId }: ClaimExpectations): void {
	if (claims.azp === undefined) {
		if (audiences(claims).length > 1) {
			throw new IdTokenError(
				'azp',
				"The ID token has several audiences and no `azp` naming the client it was issued to, so it is refused. Check the provider's client settings.",
			);
		}
		return;
	}
	if (claims.azp !== clientId) {
		throw new IdTokenError('azp', 'The ID token was issued to another client: its `azp` is not `clientId`. Check `clientId`.');
	}
}

function checkExpiry(claims: Claims, { now, clockTolerance }: ClaimExpectations): void {
	if (!isTime(claims.exp))
		throw new IdTokenError('exp', "The ID token has no numeric `exp` (expiry time). Check the provider's ID tokens.");
	if (claims.exp <= now / 1000 - clockTolerance) {
		throw new IdTokenError(
			'exp',
			`The ID token has expired (\`exp\`), beyond the clock tolerance of ${clockTolerance} s. Log in again; if this repeats, check this device's clock.`,
		);
	}
}

function checkIssuedAt(claims: Claims, { now, clockTolerance }: ClaimExpectations): void {
	if (!isTime(claims.iat)) throw new IdTokenError('iat', "The ID token has no numeric `iat` (issue time). Check the provider's ID tokens.");
	if (claims.iat > now / 1000 + clockTolerance) {
		throw new IdTokenError(
			'iat',
			`The ID token was issued in the future (\`iat\`), beyond the clock tolerance of ${clockTolerance} s. Check this device's clock and the provider's.`,
		);
	}
}

function checkNonce(claims: Claims, { nonce }: ClaimExpectations): void {
	// After a refresh there is no login, so no nonce to compare (OpenID Connect Core 12.2).
	if (nonce === undefined) return;
	if (claims.nonce === undefined) {
		throw new IdTokenError(
			'nonce',
			'The ID token has no `nonce`, though this login sent one. It was not issued for this login: log in again.',
		);
	}
	if (claims.nonce !== nonce) {
		throw new IdTokenError(
			'nonce',
			"The ID token's `nonce` is not this login's: the token was issued for another login, or replayed. Log in again.",
		);
	}
}

/**
 * The claim checks of OpenID Connect Core 3.1.3.7 that need no crypto, in its order: `iss`, `aud`, `azp`, `exp`,
 * `iat`, `nonce`. Each fails with an {@link IdTokenError} of its own name, saying what to do, never with a claim's value.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export const CLAIM_CHECKS: readonly ((claims: Claims, expected: ClaimExpectations) => void)[] = [
	checkIssuer,
	checkAudience,
	checkAuthorizedParty,
	checkExpiry,
	checkIssuedAt,
	checkNonce,
];

/**
 * The claims' shape beyond what the checks above read: `sub` a non-empty string (OpenID Connect Core 2: REQUIRED),
 * and `nonce` and `auth_time`, when present, of their types, so the claims returned are what {@link IdTokenClaims}
 * says. A token that fails is malformed: `format`.
 */
export function checkClaimTypes(claims: Claims): asserts claims is IdTokenClaims {
	if (typeof claims.sub !== 'string' || claims.sub === '') {
		throw new IdTokenError('format', "The ID token has no `sub` (a non-empty string naming the user). Check the provider's ID tokens.");
	}
	if (claims.nonce !== undefined && typeof claims.nonce !== 'string') {
		throw new IdTokenError('format', "The ID token has a `nonce` that is not a string. Check the provider's ID tokens.");
	}
	if (claims.auth_time !== undefined && !isTime(claims.auth_time)) {
		throw new IdTokenError('format', "The ID token has an `auth_time` that is not a number. Check the provider's ID tokens.");
	}
}
