import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';

/**
 * DPoP proofs checked with jose, an implementation independent of tokenkeeper: signature (ES256 over the header's
 * own `jwk`), `typ`, the claims RFC 9449 4.2 requires, and what the request says they must be.
 */
export interface CheckedProof {
	readonly jti: string;
	readonly htm: string;
	readonly htu: string;
	readonly iat: number;
	readonly nonce?: string;
	readonly ath?: string;
	/** The JWK thumbprint (RFC 7638) of the header's key, by jose. */
	readonly jkt: string;
	readonly jwk: JWK;
}

/** base64url(SHA-256(token)), computed with Node's crypto, not tokenkeeper's. */
export function athOf(accessToken: string): string {
	return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** Verify `proof` for `method` and `url` (its query and fragment dropped); throws on anything wrong. */
export async function checkProof(proof: string | null, method: string, url: string, accessToken?: string): Promise<CheckedProof> {
	if (!proof) throw new Error('no DPoP header');
	const header = decodeProtectedHeader(proof);
	if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256') throw new Error(`bad header ${JSON.stringify(header)}`);
	const jwk = header.jwk as JWK;
	// Public members only: a private `d` in a proof would give the key away.
	if (Object.keys(jwk).sort().join() !== 'crv,kty,x,y') throw new Error(`jwk has members ${Object.keys(jwk)}`);
	const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
	const expectedHtu = new URL(url);
	expectedHtu.search = '';
	expectedHtu.hash = '';
	if (payload.htm !== method) throw new Error(`htm ${payload.htm} != ${method}`);
	if (payload.htu !== expectedHtu.href) throw new Error(`htu ${payload.htu} != ${expectedHtu.href}`);
	if (typeof payload.jti !== 'string' || payload.jti.length < 16) throw new Error('jti missing or short');
	if (typeof payload.iat !== 'number') throw new Error('iat missing');
	if (accessToken === undefined ? payload.ath !== undefined : payload.ath !== athOf(accessToken)) throw new Error('ath wrong');
	return {
		jti: payload.jti,
		htm: payload.htm as string,
		htu: payload.htu as string,
		iat: payload.iat,
		nonce: payload.nonce as string | undefined,
		ath: payload.ath as string | undefined,
		jkt: await calculateJwkThumbprint(jwk, 'sha256'),
		jwk,
	};
}
