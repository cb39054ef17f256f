// Web Crypto, not node:crypto: everything but server.ts must also run in browsers and workers.

/** `byteLength` random bytes as unpadded base64url (32 bytes -> 43 characters). */
export function randomBase64Url(byteLength: number): string {
	return base64UrlEncode(randomBytes(byteLength));
}

/** `byteLength` random bytes as lowercase hex. */
export function randomHex(byteLength: number): string {
	return Array.from(randomBytes(byteLength), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** UTF-8 text or bytes as unpadded base64url, as used in JWT segments. */
export function base64UrlEncode(input: string | Uint8Array): string {
	const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomBytes(byteLength: number): Uint8Array {
	return globalThis.crypto.getRandomValues(new Uint8Array(byteLength));
}
