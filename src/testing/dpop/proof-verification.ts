// Web Crypto only: like the rest of the emulator but its node server, this runs in browsers and workers too.
import { base64UrlEncode } from '../emulator/random.js';

/** Why a proof was refused; each is counted apart (`counters().dpop.refused`). */
export type ProofRefusal = 'missing' | 'malformed' | 'signature' | 'htm' | 'htu' | 'iat' | 'replay' | 'nonce' | 'ath' | 'binding';

/** A proof that passed every check but those that depend on the request's purpose (nonce, binding). */
export interface VerifiedProof {
	/** The JWK thumbprint (RFC 7638) of the key that signed it. */
	readonly jkt: string;
	readonly jti: string;
	readonly iat: number;
	readonly nonce: string | undefined;
	readonly ath: string | undefined;
}

/** What {@link verifyProof} found: the proof, or why it is refused (with the description to answer with). */
export type ProofCheck =
	| { readonly ok: true; readonly proof: VerifiedProof }
	| { readonly ok: false; readonly reason: ProofRefusal; readonly description: string };

const refuse = (reason: ProofRefusal, description: string): ProofCheck => ({ ok: false, reason, description });

function decodeSegment(segment: string): Record<string, unknown> | undefined {
	if (!/^[\w-]+$/.test(segment)) return undefined;
	try {
		const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
		const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (character) => character.charCodeAt(0))));
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

function decodeBytes(segment: string): Uint8Array<ArrayBuffer> | undefined {
	if (!/^[\w-]*$/.test(segment)) return undefined;
	try {
		return Uint8Array.from(atob(segment.replace(/-/g, '+').replace(/_/g, '/')), (character) => character.charCodeAt(0));
	} catch {
		return undefined;
	}
}

async function sha256Base64Url(text: string): Promise<string> {
	return base64UrlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/** `url` as `htu` must name it: without query and fragment (RFC 9449 4.2). */
export function targetUri(url: string): string {
	const parsed = new URL(url);
	parsed.search = '';
	parsed.hash = '';
	return parsed.href;
}

/** What one request's proof is checked against. */
export interface ProofExpectation {
	readonly method: string;
	readonly url: string;
	/** The emulator's clock for proofs, in seconds. */
	readonly now: number;
	/** How far `iat` may be from `now`, in seconds. */
	readonly window: number;
	/** At a protected resource: the access token presented, whose hash `ath` must be. */
	readonly accessToken?: string | undefined;
}

/**
 * Check a DPoP proof as RFC 9449 4.3 says a server must: one compact JWS, `typ` `dpop+jwt`, `alg` ES256 (the one
 * algorithm the emulator accepts), a public EC P-256 `jwk` (no private member), a valid signature by that key,
 * `htm` and `htu` naming this request, `iat` within the window, a `jti`, and at a resource `ath` for the token.
 * Replay and nonce are the caller's (they need state).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function verifyProof(header: string | null, expected: ProofExpectation): Promise<ProofCheck> {
	if (header === null) return refuse('missing', 'A DPoP proof is required.');
	const parts = header.split('.');
	if (parts.length !== 3) return refuse('malformed', 'The DPoP proof is not a compact JWS.');
	const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
	const jose = decodeSegment(encodedHeader);
	const claims = decodeSegment(encodedPayload);
	const signature = decodeBytes(encodedSignature);
	if (!jose || !claims || !signature) return refuse('malformed', 'The DPoP proof cannot be decoded.');
	if (jose.typ !== 'dpop+jwt') return refuse('malformed', 'The DPoP proof typ must be dpop+jwt.');
	if (jose.alg !== 'ES256') return refuse('malformed', 'The DPoP proof alg must be ES256.');
	const jwk = jose.jwk as Record<string, unknown> | undefined;
	if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
		return refuse('malformed', 'The DPoP proof jwk must be a public EC P-256 key.');
	}
	let valid: boolean;
	try {
		const key = await crypto.subtle.importKey(
			'jwk',
			{ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
			{ name: 'ECDSA', namedCurve: 'P-256' },
			false,
			['verify'],
		);
		const signed = new TextEncoder().encode(`${encodedHeader}.${encodedPayload}`);
		valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, signed);
	} catch {
		valid = false;
	}
	if (!valid) return refuse('signature', 'The DPoP proof signature is invalid.');
	if (claims.htm !== expected.method) return refuse('htm', 'The DPoP proof htm does not match the request method.');
	if (claims.htu !== targetUri(expected.url)) return refuse('htu', 'The DPoP proof htu does not match the request URL.');
	if (typeof claims.iat !== 'number' || Math.abs(claims.iat - expected.now) > expected.window) {
		return refuse('iat', 'The DPoP proof iat is outside the acceptable window.');
	}
	if (typeof claims.jti !== 'string' || claims.jti.length < 16) return refuse('malformed', 'The DPoP proof jti is missing or too short.');
	if (expected.accessToken !== undefined && claims.ath !== (await sha256Base64Url(expected.accessToken))) {
		return refuse('ath', 'The DPoP proof ath does not match the access token.');
	}
	const jkt = await sha256Base64Url(JSON.stringify({ crv: 'P-256', kty: 'EC', x: jwk.x, y: jwk.y }));
	return {
		ok: true,
		proof: {
			jkt,
			jti: claims.jti,
			iat: claims.iat,
			nonce: typeof claims.nonce === 'string' ? claims.nonce : undefined,
			ath: typeof claims.ath === 'string' ? claims.ath : undefined,
		},
	};
}
