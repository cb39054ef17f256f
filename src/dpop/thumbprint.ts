import { base64url } from '../base64url.js';
import { type PublicEcJwk, sha256 } from './key-pair.js';

/**
 * The key's JWK thumbprint: SHA-256 of its required members in lexicographic order, no whitespace. It is what
 * `dpop_jkt` carries and what a DPoP-bound token's `cnf.jkt` names.
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export async function jwkThumbprint(jwk: PublicEcJwk): Promise<string> {
	const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
	return base64url(await sha256(canonical));
}
