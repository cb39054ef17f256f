/**
 * PKCE and state helpers: Web Crypto only, no Node built-ins, so they run in browsers, Node and workers.
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */

import { base64url } from './base64url.js';
import { invalidOption } from './options.js';

function randomBase64url(byteLength: number): string {
	return base64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

/**
 * A code verifier: `length` characters (43 to 128) from the unreserved set, from `crypto.getRandomValues`.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function generateCodeVerifier(length = 64): string {
	if (!Number.isInteger(length) || length < 43 || length > 128) throw invalidOption('length', 'an integer from 43 to 128', length, true);
	// base64url of n bytes has ceil(4n/3) characters, all unreserved; trim to the exact length.
	return randomBase64url(Math.ceil((length * 3) / 4)).slice(0, length);
}

/**
 * The S256 code challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))`, without padding.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export async function computeCodeChallenge(verifier: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
	return base64url(new Uint8Array(digest));
}

/**
 * An unguessable `state` value (256 bits) binding the authorization response to this browser session.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function generateState(): string {
	return randomBase64url(32);
}
