import { base64url } from '../base64url.js';
import { DPOP_ALGORITHM, type PublicEcJwk, sha256, signEs256 } from './key-pair.js';

/** What one proof is for. */
export interface ProofClaims {
	/** The request's method. */
	readonly htm: string;
	/** The request's URL; its query and fragment are left out (RFC 9449 4.2). */
	readonly url: string;
	/** Seconds since the epoch, by the server's clock as far as tokenkeeper knows it. */
	readonly iat: number;
	/** The server's latest nonce, when it asked for one. */
	readonly nonce?: string | undefined;
	/** On a request to a resource server: the access token the proof goes with, for `ath`. */
	readonly accessToken?: string | undefined;
}

/** The key a proof is signed with, and its public JWK (computed once per key). */
export interface ProofKey {
	readonly privateKey: CryptoKey;
	readonly jwk: PublicEcJwk;
}

const encoder = new TextEncoder();

function encodeJson(value: unknown): string {
	return base64url(encoder.encode(JSON.stringify(value)));
}

/** `url` without query and fragment, as `htu` must be. */
export function htuOf(url: string): string {
	const parsed = new URL(url);
	parsed.search = '';
	parsed.hash = '';
	return parsed.href;
}

/**
 * `ath`: base64url of the SHA-256 of the access token's ASCII, binding a proof to the token it goes with.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export async function accessTokenHash(accessToken: string): Promise<string> {
	return base64url(await sha256(accessToken));
}

/**
 * A DPoP proof: a JWS (compact) with header `typ: dpop+jwt`, `alg: ES256` and the public `jwk`, and claims `jti`
 * (128 random bits, so a server can refuse a replay), `htm`, `htu`, `iat`, then `nonce` and `ath` when they apply.
 * One per request: a retried request gets a new one.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export async function createProof(key: ProofKey, claims: ProofClaims): Promise<string> {
	const header = encodeJson({ typ: 'dpop+jwt', alg: DPOP_ALGORITHM, jwk: key.jwk });
	const payload = encodeJson({
		jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
		htm: claims.htm,
		htu: htuOf(claims.url),
		iat: claims.iat,
		nonce: claims.nonce,
		ath: claims.accessToken === undefined ? undefined : await accessTokenHash(claims.accessToken),
	});
	const signingInput = `${header}.${payload}`;
	return `${signingInput}.${base64url(await signEs256(key.privateKey, encoder.encode(signingInput)))}`;
}
