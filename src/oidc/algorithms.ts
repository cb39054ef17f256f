import { isJwsAlgorithm, type JwsAlgorithm } from '../jws-algorithms.js';
import { IdTokenError } from '../errors.js';

/** The signature algorithms an ID token may use: asymmetric ones only, so the client needs no secret to check it. */
export type IdTokenAlgorithm = JwsAlgorithm;

function describe(alg: string): string {
	// The header is the sender's text: name it only when it looks like an algorithm name, never echo anything else.
	return /^[A-Za-z0-9]{1,12}$/.test(alg) ? `\`${alg}\`` : 'an unknown algorithm';
}

/**
 * `alg` when it is one tokenkeeper checks ID tokens with, or an {@link IdTokenError} `alg`: `none` (unsigned) and
 * HS256/384/512 (a secret shared with the client, which a public client has not, and which an attacker would set to
 * the public key's bytes) are refused by name, any other algorithm as unsupported.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function requireIdTokenAlgorithm(alg: string): IdTokenAlgorithm {
	if (isJwsAlgorithm(alg)) return alg;
	const advice =
		"tokenkeeper accepts RS256, PS256, ES256 and EdDSA: have the provider sign ID tokens with one of them (the client's `id_token_signed_response_alg`).";
	if (alg === 'none') throw new IdTokenError('alg', `The ID token is unsigned (\`alg: none\`), which is refused. ${advice}`);
	if (/^HS\d+$/.test(alg)) {
		throw new IdTokenError('alg', `The ID token is signed with a shared secret (${describe(alg)}), which is refused. ${advice}`);
	}
	throw new IdTokenError('alg', `The ID token is signed with ${describe(alg)}, which is not supported. ${advice}`);
}
