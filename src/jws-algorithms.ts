/**
 * The asymmetric JWS algorithms tokenkeeper signs and checks with Web Crypto: ID tokens are checked with them, and
 * client assertions (`privateKeyJwt`) signed.
 */
export type JwsAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** What one JWS algorithm means to Web Crypto and to a JWK. */
export interface AlgorithmProfile {
	/** The JWK key type whose keys the algorithm uses, and the curve for EC and OKP keys. */
	readonly kty: 'RSA' | 'EC' | 'OKP';
	readonly crv?: 'P-256' | 'Ed25519';
	/** How `crypto.subtle.importKey` takes such a key for this algorithm. */
	readonly importAs: RsaHashedImportParams | EcKeyImportParams | Algorithm;
	/** What `crypto.subtle.sign` and `verify` are given. */
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
const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmProfile>> = {
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
export function algorithmProfile(alg: JwsAlgorithm): AlgorithmProfile {
	return ALGORITHMS[alg];
}

/** Whether `alg` is one of {@link JwsAlgorithm}. */
export function isJwsAlgorithm(alg: unknown): alg is JwsAlgorithm {
	return typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg);
}

/** Whether a JWK's key type (and curve) is the one `alg` signs with. */
export function jwkFits(jwk: { readonly kty?: string | undefined; readonly crv?: string | undefined }, alg: JwsAlgorithm): boolean {
	const profile = ALGORITHMS[alg];
	return jwk.kty === profile.kty && (profile.crv === undefined || jwk.crv === profile.crv);
}

/** Whether a Web Crypto key is a public key imported for `alg` (its algorithm, hash and curve). */
export function cryptoKeyFits(key: CryptoKey, alg: JwsAlgorithm): boolean {
	const importAs = ALGORITHMS[alg].importAs as Partial<RsaHashedImportParams & EcKeyImportParams>;
	const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm & EcKeyAlgorithm>;
	return (
		key.type === 'public' &&
		algorithm.name === importAs.name &&
		(importAs.hash === undefined || algorithm.hash?.name === importAs.hash) &&
		(importAs.namedCurve === undefined || algorithm.namedCurve === importAs.namedCurve)
	);
}
