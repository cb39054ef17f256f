// Web Crypto only: like the rest of the emulator but its node server, this runs in browsers and workers too.
import { algorithmProfile, type JwsAlgorithm, jwkFits } from '../../jws-algorithms.js';
import type { ClientPublicJwk } from './client-keys.js';

/** The `alg` values a client assertion may be signed with: four for private_key_jwt, HS256 for client_secret_jwt. */
export const ASSERTION_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA', 'HS256'] as const;

/** One of {@link ASSERTION_ALGS}. */
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

/**
 * An asymmetric {@link AssertionAlg}: checked against a registered public key, with what Web Crypto and a JWK make of
 * it as the library's own checks have it (`jws-algorithms.ts`).
 */
export type PublicKeyAlg = Exclude<AssertionAlg, 'HS256'> & JwsAlgorithm;

/** Whether `alg` is one the emulator checks assertions with. */
export function isAssertionAlg(alg: unknown): alg is AssertionAlg {
	return typeof alg === 'string' && (ASSERTION_ALGS as readonly string[]).includes(alg);
}

/** Whether `jwk` can check a signature made with `alg`: its type fits, and its own `alg`, when it has one, is `alg`. */
export function keyFits(jwk: ClientPublicJwk, alg: PublicKeyAlg): boolean {
	return jwkFits(jwk, alg) && (jwk.alg === undefined || jwk.alg === alg);
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
		const { importAs, verifyWith } = algorithmProfile(alg);
		// Only the public members: `alg`/`key_ops` of the registered JWK would only make the import fail.
		const { kty, n, e, crv, x, y } = jwk;
		const key = await crypto.subtle.importKey('jwk', { kty, n, e, crv, x, y }, importAs, false, ['verify']);
		return await crypto.subtle.verify(verifyWith, key, signature, data);
	} catch {
		return false;
	}
}
