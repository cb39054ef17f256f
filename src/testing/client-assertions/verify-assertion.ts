import { decodeCompact } from '../openid/jws.js';
import { isAssertionAlg, keyFits, type PublicKeyAlg, verifyAssertionSignature } from './assertion-algorithms.js';
import type { ClientPublicJwk } from './client-keys.js';

/** Why a client assertion was refused; each is counted apart (`counters().clientAssertions.refused`). */
export type AssertionRefusal =
	| 'client'
	| 'malformed'
	| 'alg'
	| 'key'
	| 'signature'
	| 'iss'
	| 'sub'
	| 'aud'
	| 'exp'
	| 'iat'
	| 'jti'
	| 'replay';

/** Every {@link AssertionRefusal}, for counters at zero. */
export const ASSERTION_REFUSALS: readonly AssertionRefusal[] = [
	'client',
	'malformed',
	'alg',
	'key',
	'signature',
	'iss',
	'sub',
	'aud',
	'exp',
	'iat',
	'jti',
	'replay',
];

/** What one assertion is checked against. */
export interface AssertionExpectation {
	/** The client it must be by (`iss` = `sub`). */
	readonly clientId: string;
	/** The authorization server's issuer identifier: the only `aud` accepted. */
	readonly issuer: string;
	/** The server's endpoints, named in the refusal when `aud` is one of them (the audience-injection mistake). */
	readonly endpoints: readonly string[];
	/** The client's registered public keys (private_key_jwt). */
	readonly keys: readonly ClientPublicJwk[];
	/** The client's secret (client_secret_jwt), if it has one. */
	readonly secret: string | undefined;
	/** The emulator's clock, in seconds. */
	readonly now: number;
}

/** A valid assertion's `jti` and `exp` (for replay detection, the caller's: it needs state), and how it was signed. */
export type AssertionCheck =
	| { readonly ok: true; readonly jti: string; readonly exp: number; readonly method: 'private_key_jwt' | 'client_secret_jwt' }
	| { readonly ok: false; readonly reason: AssertionRefusal; readonly description: string };

/** Clock skew allowed on `exp`, `iat` and `nbf`, in seconds. */
export const ASSERTION_LEEWAY = 10;
/** The longest an assertion may live (`exp` - `iat`), in seconds: it is for one request, so a long one is refused. */
export const MAX_ASSERTION_LIFETIME = 300;

const refuse = (reason: AssertionRefusal, description: string): AssertionCheck => ({
	ok: false,
	reason,
	description: `Client authentication failed: ${description}`,
});

/**
 * Checks a client assertion as a strict server does: a compact JWS signed with ES256, PS256, RS256 or EdDSA by a key
 * registered for the client (chosen by `kid`, else each that fits) or with HS256 over its secret; `iss` = `sub` = the
 * client id; `aud` = the issuer identifier exactly (not the token endpoint: the 2025 fix of RFC 7523's audience
 * injection, and FAPI 2.0); `exp` present, not past, at most {@link MAX_ASSERTION_LIFETIME} after `iat`; a `jti`.
 * The descriptions name the check that failed, never a value of the assertion.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-rfc7523bis/
 */
export async function verifyClientAssertion(assertion: string, expected: AssertionExpectation): Promise<AssertionCheck> {
	const decoded = decodeCompact(assertion);
	if (decoded === undefined) return refuse('malformed', 'client_assertion is not a compact JWS (three base64url JSON segments).');
	const { header, payload, signingInput, signature } = decoded;
	if (header.alg === 'none' || header.alg === undefined) return refuse('alg', 'an unsigned client assertion (alg none) is refused.');
	if (!isAssertionAlg(header.alg)) return refuse('alg', 'the client assertion alg must be ES256, PS256, RS256, EdDSA or HS256.');
	if (header.crit !== undefined) return refuse('malformed', 'the client assertion header has crit extensions this server does not know.');

	const alg = header.alg;
	let verifiers: ReadonlyArray<ClientPublicJwk | string>;
	if (alg === 'HS256') {
		if (expected.secret === undefined) return refuse('key', 'client_secret_jwt needs a client secret, and the client has none.');
		verifiers = [expected.secret];
	} else {
		const keys = candidateKeys(expected.keys, header.kid, alg);
		if (typeof keys === 'string') return refuse('key', keys);
		verifiers = keys;
	}
	let verified = false;
	for (const verifier of verifiers) if (!verified) verified = await verifyAssertionSignature(alg, verifier, signingInput, signature);
	if (!verified) return refuse('signature', 'the client assertion signature is invalid.');

	if (payload.iss !== expected.clientId) return refuse('iss', 'the client assertion iss must be the client id.');
	if (payload.sub !== expected.clientId) return refuse('sub', 'the client assertion sub must be the client id.');
	const audience = checkAudience(payload.aud, expected);
	if (audience !== undefined) return refuse('aud', audience);
	const { exp, iat, nbf, jti } = payload;
	if (typeof exp !== 'number' || !Number.isFinite(exp)) return refuse('exp', 'the client assertion has no exp.');
	if (exp <= expected.now - ASSERTION_LEEWAY) return refuse('exp', 'the client assertion has expired (exp).');
	if (iat !== undefined && (typeof iat !== 'number' || iat > expected.now + ASSERTION_LEEWAY)) {
		return refuse('iat', 'the client assertion iat is not a time in the past.');
	}
	if (nbf !== undefined && (typeof nbf !== 'number' || nbf > expected.now + ASSERTION_LEEWAY)) {
		return refuse('iat', 'the client assertion is not valid yet (nbf).');
	}
	if (exp - (typeof iat === 'number' ? iat : expected.now) > MAX_ASSERTION_LIFETIME) {
		return refuse('exp', `the client assertion lives too long: exp must be at most ${MAX_ASSERTION_LIFETIME} s after iat.`);
	}
	if (typeof jti !== 'string' || jti === '') return refuse('jti', 'the client assertion has no jti.');
	return { ok: true, jti, exp, method: alg === 'HS256' ? 'client_secret_jwt' : 'private_key_jwt' };
}

/**
 * The registered keys that may check a signature by `alg`: the one named by `kid`; without a `kid`, every key that
 * fits `alg` (tried in turn, as servers do for a client that names none, e.g. one whose key came from a PEM file);
 * or why there is none.
 */
function candidateKeys(keys: readonly ClientPublicJwk[], kid: unknown, alg: PublicKeyAlg): readonly ClientPublicJwk[] | string {
	if (keys.length === 0) return 'no public key is registered for the client.';
	if (kid !== undefined) {
		const named = keys.find((key) => key.kid === kid);
		if (named === undefined) return 'no key registered for the client has the assertion kid.';
		return keyFits(named, alg) ? [named] : `the key named by kid cannot verify ${alg}.`;
	}
	const fitting = keys.filter((key) => keyFits(key, alg));
	return fitting.length === 0 ? `no key registered for the client can verify ${alg}.` : fitting;
}

function checkAudience(aud: unknown, expected: AssertionExpectation): string | undefined {
	if (aud === expected.issuer) return undefined;
	// RFC 7523bis: one string, the issuer; an array (even holding the issuer) is how audience injection slipped in.
	if (Array.isArray(aud)) return 'the client assertion aud must be the issuer identifier as a single string, not an array.';
	if (typeof aud === 'string' && expected.endpoints.includes(aud)) {
		return 'the client assertion aud names an endpoint: it must be the issuer identifier exactly.';
	}
	return 'the client assertion aud must be the issuer identifier exactly.';
}
