import { IdTokenError } from '../errors.js';

/** A JWS header as the checks read it: `alg` is a string, `kid` a string when present. */
export interface JwsHeader {
	readonly alg: string;
	readonly kid?: string | undefined;
	readonly [parameter: string]: unknown;
}

/** A JWS in compact serialization, taken apart: what the signature covers, and the signature itself. */
export interface CompactJws {
	readonly header: JwsHeader;
	readonly payload: Readonly<Record<string, unknown>>;
	/** `BASE64URL(header) || '.' || BASE64URL(payload)` as ASCII bytes: what was signed (RFC 7515 5.2 step 8). */
	readonly signingInput: Uint8Array<ArrayBuffer>;
	readonly signature: Uint8Array<ArrayBuffer>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function formatError(message: string): IdTokenError {
	return new IdTokenError('format', `${message} Check that the provider issues signed ID tokens (JWS, OpenID Connect Core 2).`);
}

/**
 * The bytes of one unpadded base64url part, or undefined when it is not one: padding, whitespace and the `+` `/`
 * alphabet that `atob` would forgive are refused, so a token has one spelling only.
 */
function decodePart(part: string): Uint8Array<ArrayBuffer> | undefined {
	if (!BASE64URL.test(part) || part.length % 4 === 1) return undefined;
	const binary = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
	return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
	const bytes = decodePart(part);
	if (!bytes) return undefined;
	try {
		const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * The ID token taken apart, or an {@link IdTokenError} `format`: three base64url parts whose first two are JSON
 * objects, a header whose `alg` is a string and whose `kid`, when present, is one too. An encrypted ID token (a JWE,
 * five parts) is refused: decrypting needs a client key tokenkeeper does not hold. A `crit` header is refused too:
 * it names extensions a verifier must understand, and this one understands none (RFC 7515 4.1.11).
 * Messages never quote the token.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-5.2
 */
export function parseCompactJws(token: string): CompactJws {
	const parts = token.split('.');
	if (parts.length === 5) {
		throw new IdTokenError(
			'format',
			'The ID token is encrypted (a JWE, five parts), and tokenkeeper checks signed ID tokens only. Register the client without `id_token_encrypted_response_alg`.',
		);
	}
	if (parts.length !== 3) throw formatError(`The ID token has ${parts.length} parts where a signed JWT has three.`);
	const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
	const header = decodeJsonObject(headerPart);
	if (!header) throw formatError('The ID token header is not a base64url-encoded JSON object.');
	if (typeof header.alg !== 'string') throw formatError('The ID token header has no `alg` string.');
	if (header.kid !== undefined && typeof header.kid !== 'string')
		throw formatError('The ID token header has a `kid` that is not a string.');
	if (header.crit !== undefined)
		throw formatError('The ID token header names critical extensions (`crit`), which tokenkeeper does not support.');
	const payload = decodeJsonObject(payloadPart);
	if (!payload) throw formatError('The ID token payload is not a base64url-encoded JSON object.');
	const signature = decodePart(signaturePart);
	// An empty signature is well formed (`alg: none` has one): the `alg` check refuses it, by name.
	if (!signature) throw formatError('The ID token signature is not base64url.');
	return {
		header: header as JwsHeader,
		payload,
		signingInput: new TextEncoder().encode(`${headerPart}.${payloadPart}`),
		signature,
	};
}
