// Web Crypto only: like the rest of the emulator but its node server, this runs in browsers and workers too.
import type { ClientPublicJwk } from './client-keys.js';

/** The `alg` values a client assertion may be signed with: four for private_key_jwt, HS256 for client_secret_jwt. */
export const ASSERTION_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA', 'HS256'] as const;

/** One of {@link ASSERTION_ALGS}. */
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

/** An asymmetric {@link AssertionAlg}: checked against a registered public key. */
export type PublicKeyAlg = Exclude<AssertionAlg, 'HS256'>;

interface PublicKeyAlgorithm {
	readonly import: RsaHashedImportParams | EcKeyImportParams | AlgorithmIdentifier;
	readonly verify: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
	/** Whether a JWK can hold a key for this algorithm. */
	fits(jwk: ClientPublicJwk): boolean;
}

const isRsa = (jwk: ClientPublicJwk) => jwk.kty === 'RSA';

/**
 * Each asymmetric `alg` as Web Crypto names it; an ECDSA signature in a JWS is `r || s`, the form Web Crypto takes.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8037#section-3.1
 */
const PUBLIC_KEY_ALGORITHMS: Readonly<Record<PublicKeyAlg, PublicKeyAlgorithm>> = {
	RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' }, fits: isRsa },
	PS256: { import: { name: 'RSA-PSS', hash: 'SHA-256' }, verify: { name: 'RSA-PSS', saltLength: 32 }, fits: isRsa },
	ES256: {
		import: { name: 'ECDSA', namedCurve: 'P-256' },
		verify: { name: 'ECDSA', hash: 'SHA-256' },
		fits: (jwk) => jwk.kty === 'EC' && jwk.crv === 'P-256',
	},
	EdDSA: { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' }, fits: (jwk) => jwk.kty === 'OKP' && jwk.crv === 'Ed25519' },
};

/** Whether `alg` is one the emulator checks assertions with. */
export function isAssertionAlg(alg: unknown): alg is AssertionAlg {
	return typeof alg === 'string' && (ASSERTION_ALGS as readonly string[]).includes(alg);
}

/** Whether `jwk` can check a signature made with `alg`: its type fits, and its own `alg`, when it has one, is `alg`. */
export function keyFits(jwk: ClientPublicJwk, alg: PublicKeyAlg): boolean {
	return PUBLIC_KEY_ALGORITHMS[alg].fits(jwk) && (jwk.alg === undefined || jwk.alg === alg);
}

/**
 * Whether `signature` is a signature of `signingInput` under `alg`: by the private half of `jwk`, or for HS256 (`jwk`
 * a string) by the client secret. A key Web Crypto cannot import checks nothing: false.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-5.2
 */
export async function verifyAssertionSignature(
	alg: AssertionAlg,
	jwk: ClientPublicJwk | string,
	signingInput: string,
	signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
	const data = new TextEncoder().encode(signingInput);
	try {
		if (alg === 'HS256') {
			if (typeof jwk !== 'string') return false;
			const secret = new TextEncoder().encode(jwk);
			const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
			return await crypto.subtle.verify('HMAC', key, signature, data);
		}
		if (typeof jwk === 'string') return false;
		const algorithm = PUBLIC_KEY_ALGORITHMS[alg];
		// Only the public members: `alg`/`key_ops` of the registered JWK would only make the import fail.
		const { kty, n, e, crv, x, y } = jwk;
		const key = await crypto.subtle.importKey('jwk', { kty, n, e, crv, x, y }, algorithm.import, false, ['verify']);
		return await crypto.subtle.verify(algorithm.verify, key, signature, data);
	} catch {
		return false;
	}
}
