import { EC_P256, generateDpopKeyPair } from '../dpop/key-pair.js';
import type { SessionDpopKey } from '../file.js';

/**
 * A DPoP key pair for a session the CLI keeps on disk. Extractable, unlike the keys tokenkeeper makes for browsers:
 * the next run must sign with it, so it is saved with the session's tokens, in the same 0600 file; it is worth no
 * more than the refresh token beside it, and no less.
 */
export function newSessionKeyPair(): Promise<CryptoKeyPair> {
	return generateDpopKeyPair(true);
}

/** The private JWK to keep with the session. */
export async function exportSessionKey(keyPair: CryptoKeyPair): Promise<SessionDpopKey> {
	const { x, y, d } = await crypto.subtle.exportKey('jwk', keyPair.privateKey);
	return { kty: 'EC', crv: 'P-256', x: x!, y: y!, d: d! };
}

/** The key pair a session keeps, imported for this run: the private key non-extractable now. */
export async function importSessionKey(jwk: SessionDpopKey): Promise<CryptoKeyPair> {
	const { d: _private, ...publicJwk } = jwk;
	return {
		privateKey: await crypto.subtle.importKey('jwk', jwk, EC_P256, false, ['sign']),
		publicKey: await crypto.subtle.importKey('jwk', publicJwk, EC_P256, true, ['verify']),
	};
}
