// Web Crypto only: like the rest of the emulator but its node server, this runs in browsers and workers too.
import { base64UrlEncode } from '../emulator/random.js';

/** The algorithms the emulator signs ID tokens with; RS256 is what OpenID Connect requires every OP to support. */
export type IdTokenAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** Every {@link IdTokenAlg}, in the order an option error lists them. */
export const ID_TOKEN_ALGS: readonly IdTokenAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

interface WebCryptoAlgorithm {
	/** How a key pair is generated. */
	readonly generate: AlgorithmIdentifier | RsaHashedKeyGenParams | EcKeyGenParams;
	/** How a signature is made and checked with it. */
	readonly sign: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
	/** The hash whose left half is `at_hash` (OpenID Connect Core 3.1.3.6; SHA-512 for Ed25519, as OpenID's errata say). */
	readonly hash: 'SHA-256' | 'SHA-512';
}

const RSA_KEY = { modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

/**
 * Each JWS `alg` as Web Crypto names it. ECDSA signatures come out of Web Crypto as `r || s`, the form JWS wants.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8037#section-3.1
 */
const ALGORITHMS: Readonly<Record<IdTokenAlg, WebCryptoAlgorithm>> = {
	RS256: { generate: { name: 'RSASSA-PKCS1-v1_5', ...RSA_KEY }, sign: { name: 'RSASSA-PKCS1-v1_5' }, hash: 'SHA-256' },
	PS256: { generate: { name: 'RSA-PSS', ...RSA_KEY }, sign: { name: 'RSA-PSS', saltLength: 32 }, hash: 'SHA-256' },
	ES256: { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' }, hash: 'SHA-256' },
	EdDSA: { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' }, hash: 'SHA-512' },
};

/** A new key pair for `alg`; the public half can be exported (for the JWKS), the private half cannot. */
export async function generateSigningKeyPair(alg: IdTokenAlg): Promise<CryptoKeyPair> {
	const pair = (await crypto.subtle.generateKey(ALGORITHMS[alg].generate, false, ['sign', 'verify'])) as CryptoKeyPair;
	return pair;
}

/**
 * A JWS in compact serialization: the protected header and the payload, signed with `key`.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export async function signCompact(alg: IdTokenAlg, key: CryptoKey, header: object, payload: object): Promise<string> {
	const signingInput = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}`;
	const signature = await crypto.subtle.sign(ALGORITHMS[alg].sign, key, new TextEncoder().encode(signingInput));
	return `${signingInput}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/** Whether `signature` (base64url) is `key`'s signature of `signingInput` under `alg`. */
export async function verifySignature(
	alg: IdTokenAlg,
	key: CryptoKey,
	signingInput: string,
	signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
	try {
		return await crypto.subtle.verify(ALGORITHMS[alg].sign, key, signature, new TextEncoder().encode(signingInput));
	} catch {
		return false;
	}
}

/**
 * `at_hash`: the left half of the hash of the access token's ASCII octets, base64url (SHA-256 for the algorithms here
 * but EdDSA, whose Ed25519 hashes with SHA-512).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
 */
export async function accessTokenHash(alg: IdTokenAlg, accessToken: string): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest(ALGORITHMS[alg].hash, new TextEncoder().encode(accessToken)));
	return base64UrlEncode(digest.slice(0, digest.length / 2));
}

/** The parts of a compact JWS, its header and payload decoded; undefined when it is not three base64url JSON segments. */
export function decodeCompact(
	token: string,
):
	| { header: Record<string, unknown>; payload: Record<string, unknown>; signingInput: string; signature: Uint8Array<ArrayBuffer> }
	| undefined {
	const parts = token.split('.');
	if (parts.length !== 3) return undefined;
	const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
	const header = decodeJson(headerPart);
	const payload = decodeJson(payloadPart);
	const signature = decodeBytes(signaturePart);
	if (header === undefined || payload === undefined || signature === undefined) return undefined;
	return { header, payload, signingInput: `${headerPart}.${payloadPart}`, signature };
}

function decodeBytes(segment: string): Uint8Array<ArrayBuffer> | undefined {
	if (!/^[\w-]*$/.test(segment)) return undefined;
	try {
		return Uint8Array.from(atob(segment.replace(/-/g, '+').replace(/_/g, '/')), (character) => character.charCodeAt(0));
	} catch {
		return undefined;
	}
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
	const bytes = segment === '' ? undefined : decodeBytes(segment);
	if (bytes === undefined) return undefined;
	try {
		const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}
