/**
 * Unpadded base64url, the encoding of PKCE challenges and of every JOSE part (RFC 7515 2).
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-2
 */
export function base64url(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
