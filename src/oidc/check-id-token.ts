import { IdTokenError } from '../errors.js';
import { algorithmProfile, cryptoKeyFits } from '../jws-algorithms.js';
import { type IdTokenAlgorithm, requireIdTokenAlgorithm } from './algorithms.js';
import { checkAccessTokenHash } from './at-hash.js';
import { type CompactJws, parseCompactJws } from './compact-jws.js';
import { CLAIM_CHECKS, checkClaimTypes, type IdTokenClaims } from './id-token-claims.js';
import type { JwksSource } from './jwks.js';

export type { IdTokenClaims } from './id-token-claims.js';

/** What an ID token must match: the session's issuer and client, the login's nonce, the response's access token. */
export interface IdTokenExpectations {
	readonly issuer: string;
	readonly clientId: string;
	/** The nonce of the login (code exchange); undefined after a refresh (then a nonce in the token is not checked). */
	readonly nonce?: string | undefined;
	/** The access token of the same response: checks `at_hash` when the token has one. */
	readonly accessToken?: string | undefined;
	/** Epoch ms. */
	readonly now: number;
	/** Seconds; default 60. */
	readonly clockTolerance?: number;
	readonly signal?: AbortSignal | undefined;
}

const DEFAULT_CLOCK_TOLERANCE = 60;

async function verifySignature(jws: CompactJws, key: CryptoKey, alg: IdTokenAlgorithm): Promise<void> {
	// A key source other than createJwksSource's may hand back any key: the algorithm is the token's claim, the key
	// must be for it, or an RSA key's bytes could be made to stand for something else.
	if (!cryptoKeyFits(key, alg)) {
		throw new IdTokenError('alg', `The key found for the ID token is not a public ${alg} key, so the token is refused.`);
	}
	let valid: boolean;
	try {
		valid = await crypto.subtle.verify(algorithmProfile(alg).verifyWith, key, jws.signature, jws.signingInput);
	} catch (error) {
		throw new IdTokenError('signature', "The ID token signature could not be checked with the issuer's key.", { cause: error });
	}
	if (!valid) {
		throw new IdTokenError(
			'signature',
			"The ID token signature does not match the issuer's key: the token was changed after signing, or not signed by the issuer. Log in again.",
		);
	}
}

/**
 * The claims of a valid ID token, checked as OpenID Connect Core 3.1.3.7 says, in order: `format`, `alg` (RS256,
 * PS256, ES256 or EdDSA; never `none` or HS*), `key` (the issuer's JWKS), `signature` (Web Crypto), `iss`, `aud`,
 * `azp`, `exp`, `iat`, `nonce`, `at_hash`, then the claims' types (a `sub`). The first failure rejects with an {@link IdTokenError} naming
 * its check; its message never holds the token or a claim's value. Pure but for the key source's fetch.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @example
 * const claims = await checkIdToken(tokens.id_token, jwks, { issuer, clientId, nonce, accessToken, now: Date.now() });
 */
export async function checkIdToken(idToken: string, keys: JwksSource, expected: IdTokenExpectations): Promise<IdTokenClaims> {
	const jws = parseCompactJws(idToken);
	const alg = requireIdTokenAlgorithm(jws.header.alg);
	const key = await keys.key({ alg, kid: jws.header.kid }, expected.signal);
	await verifySignature(jws, key, alg);
	const claims = jws.payload;
	const claimExpectations = { ...expected, clockTolerance: expected.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE };
	for (const check of CLAIM_CHECKS) check(claims, claimExpectations);
	await checkAccessTokenHash(claims, alg, expected.accessToken);
	checkClaimTypes(claims);
	return claims;
}
