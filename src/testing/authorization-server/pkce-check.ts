import { base64UrlEncode } from '../emulator/random.js';

// RFC 7636 4.1 and 4.2: a verifier is 43 to 128 unreserved characters; an S256 challenge is the
// base64url of a SHA-256 digest, always 43 characters.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether `value` can be an S256 `code_challenge`.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function isS256Challenge(value: string): boolean {
	return S256_CHALLENGE.test(value);
}

/**
 * The S256 challenge of a `code_verifier`, or undefined when the verifier is malformed (which can
 * then never match).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export async function s256Challenge(verifier: string): Promise<string | undefined> {
	if (!VERIFIER.test(verifier)) return undefined;
	const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
	return base64UrlEncode(new Uint8Array(digest));
}
