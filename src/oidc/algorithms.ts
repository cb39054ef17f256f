import { IdTokenError } from '../errors.js';

/** The signature algorithms an ID token may use: asymmetric ones only, so the client needs no secret to check it. */
export type IdTokenAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** What one JWS algorithm means to Web Crypto and to a JWK. */
export interface AlgorithmProfile {
	/** The JWK key type whose keys the algorithm uses, and the curve for EC and OKP keys. */
	readonly kty: 'RSA' | 'EC' | 'OKP';
	readonly crv?: 'P-256' | 'Ed25519';
	/** How `crypto.subtle.importKey` takes such a key for this algorithm. */
	readonly importAs: RsaHashedImportParams | EcKeyImportParams | Algorithm;
	/** What `crypto.subtle.verify` is given. */
	readonly verifyWith: Algorithm | RsaPssParams | EcdsaParams;
	/** The hash whose left half `at_hash` carries (OpenID Connect Core 3.1.3.6). */
	readonly atHash: 'SHA-256' | 'SHA-512';
}

/**
 * RFC 7518 3.3, 3.5 and 3.4 and RFC 8037 3.1, as Web Crypto spells them. An ES256 signature in a JWS is `r || s`,
 * which is what Web Crypto's ECDSA takes (no DER). PS256's salt is as long as its hash (RFC 7518 3.5). Ed25519's
 * `at_hash` uses SHA-512, the hash of the curve (OpenID Connect Core 3.1.3.6 as errata set 2 reads for EdDSA).
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8037#section-3.1
 */
const ALGORITHMS: Readonly<Record<IdTokenAlgorithm, AlgorithmProfile>> = {
	RS256: {
		kty: 'RSA',
		importAs: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
		verifyWith: { name: 'RSASSA-PKCS1-v1_5' },
		atHash: 'SHA-256',
	},
	PS256: { kty: 'RSA', importAs: { name: 'RSA-PSS', hash: 'SHA-256' }, verifyWith: { name: 'RSA-PSS', saltLength: 32 }, atHash: 'SHA-256' },
	ES256: {
		kty: 'EC',
		crv: 'P-256',
		importAs: { name: 'ECDSA', namedCurve: 'P-256' },
		verifyWith: { name: 'ECDSA', hash: 'SHA-256' },
		atHash: 'SHA-256',
	},
	EdDSA: { kty: 'OKP', crv: 'Ed25519', importAs: { name: 'Ed25519' }, verifyWith: { name: 'Ed25519' }, atHash: 'SHA-512' },
};

/** What Web Crypto and JWKs need for `alg`. */
export function algorithmProfile(alg: IdTokenAlgorithm): AlgorithmProfile {
	return ALGORITHMS[alg];
}

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
	if (Object.hasOwn(ALGORITHMS, alg)) return alg as IdTokenAlgorithm;
	const advice =
		"tokenkeeper accepts RS256, PS256, ES256 and EdDSA: have the provider sign ID tokens with one of them (the client's `id_token_signed_response_alg`).";
	if (alg === 'none') throw new IdTokenError('alg', `The ID token is unsigned (\`alg: none\`), which is refused. ${advice}`);
	if (/^HS\d+$/.test(alg)) {
		throw new IdTokenError('alg', `The ID token is signed with a shared secret (${describe(alg)}), which is refused. ${advice}`);
	}
	throw new IdTokenError('alg', `The ID token is signed with ${describe(alg)}, which is not supported. ${advice}`);
}

/** Whether a JWK's key type (and curve) is the one `alg` signs with. */
export function jwkFits(jwk: { readonly kty: string; readonly crv?: string | undefined }, alg: IdTokenAlgorithm): boolean {
	const profile = ALGORITHMS[alg];
	return jwk.kty === profile.kty && (profile.crv === undefined || jwk.crv === profile.crv);
}

/** Whether a Web Crypto key is a public key imported for `alg` (its algorithm, hash and curve). */
export function cryptoKeyFits(key: CryptoKey, alg: IdTokenAlgorithm): boolean {
	const importAs = ALGORITHMS[alg].importAs as Partial<RsaHashedImportParams & EcKeyImportParams>;
	const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm & EcKeyAlgorithm>;
	return (
		key.type === 'public' &&
		algorithm.name === importAs.name &&
		(importAs.hash === undefined || algorithm.hash?.name === importAs.hash) &&
		(importAs.namedCurve === undefined || algorithm.namedCurve === importAs.namedCurve)
	);
}
