import { tryParseJson } from '../try-parse-json.js';

/**
 * When a JWT expires (its `exp`, in epoch ms), read without verifying it: only to bound how long a token exchanged
 * for it is kept, never to trust anything it says. Undefined for an opaque token or a JWT without a numeric `exp`.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
 */
export function unverifiedJwtExpiry(token: string): number | undefined {
	const parts = token.split('.');
	// A JWS in compact form has three parts; a JWE (five) keeps its claims encrypted.
	if (parts.length !== 3) return undefined;
	const payload = decodeBase64Url(parts[1]!);
	const claims = payload === undefined ? undefined : tryParseJson(payload);
	const exp = (claims as { exp?: unknown } | undefined)?.exp;
	return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

function decodeBase64Url(text: string): string | undefined {
	if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
	try {
		const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
		return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
	} catch {
		return undefined;
	}
}
