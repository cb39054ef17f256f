import { DpopError } from '../errors.js';

/** The one signing algorithm tokenkeeper's proofs use: ECDSA on P-256 with SHA-256 (RFC 7518 3.4). */
export const DPOP_ALGORITHM = 'ES256';

/** An EC public key as a JWK, members limited to what a DPoP proof's header and a thumbprint need. */
export interface PublicEcJwk {
	readonly kty: 'EC';
	readonly crv: 'P-256';
	readonly x: string;
	readonly y: string;
}

/** ECDSA on P-256, as Web Crypto names it: the key algorithm of ES256. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function subtleCrypto(): SubtleCrypto {
	const subtle = globalThis.crypto?.subtle;
	if (!subtle) {
		throw new DpopError('DPoP needs Web Crypto (crypto.subtle), which this runtime lacks: use a secure context (https) or Node 20+.');
	}
	return subtle;
}

/**
 * A new ES256 key pair whose private key cannot be exported: script injected into a page can use it while the
 * page is open, but cannot carry it away (RFC 9449 11.4). `extractable` only for a key that must outlive the
 * process in a file (the CLI's sessions).
 */
export async function generateDpopKeyPair(extractable = false): Promise<CryptoKeyPair> {
	try {
		return (await subtleCrypto().generateKey(EC_P256, extractable, ['sign', 'verify'])) as CryptoKeyPair;
	} catch (error) {
		if (error instanceof DpopError) throw error;
		throw new DpopError('This runtime cannot make an ECDSA P-256 key with Web Crypto, which DPoP needs (ES256).', { cause: error });
	}
}

function isEs256Key(key: unknown, type: KeyType): boolean {
	const algorithm = (key as CryptoKey | undefined)?.algorithm as EcKeyAlgorithm | undefined;
	return (key as CryptoKey | undefined)?.type === type && algorithm?.name === 'ECDSA' && algorithm.namedCurve === 'P-256';
}

/**
 * The key pair a caller brought, checked: tokenkeeper signs with ES256 only, so any other key is refused now
 * rather than by the server later, as a refused proof.
 */
export function requireDpopKeyPair(keyPair: unknown): CryptoKeyPair {
	const pair = keyPair as CryptoKeyPair | undefined;
	if (!isEs256Key(pair?.privateKey, 'private') || !isEs256Key(pair?.publicKey, 'public')) {
		throw new DpopError(
			'Expected `dpop.keyPair` to be a Web Crypto ECDSA P-256 key pair (ES256, the one algorithm tokenkeeper signs DPoP proofs with).',
		);
	}
	if (!pair!.privateKey.usages.includes('sign')) throw new DpopError('Expected `dpop.keyPair.privateKey` to allow "sign".');
	return pair!;
}

/** The public half as a JWK with only `kty`, `crv`, `x`, `y`: a public key is always exportable. */
export async function exportPublicJwk(publicKey: CryptoKey): Promise<PublicEcJwk> {
	const { x, y } = await subtleCrypto().exportKey('jwk', publicKey);
	return { kty: 'EC', crv: 'P-256', x: x!, y: y! };
}

/** An ES256 signature: Web Crypto's ECDSA output is already JWS's `r || s` (RFC 7518 3.4). */
export async function signEs256(privateKey: CryptoKey, data: BufferSource): Promise<Uint8Array> {
	return new Uint8Array(await subtleCrypto().sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data));
}

/** SHA-256 of `text` (UTF-8). */
export async function sha256(text: string): Promise<Uint8Array> {
	return new Uint8Array(await subtleCrypto().digest('SHA-256', new TextEncoder().encode(text)));
}
