import { InvalidOptionError } from '../../errors.js';
import { invalidOption } from '../../options.js';
import { isLoopbackOrigin, parseUrl } from './loopback.js';

// A strict policy, as a real API has: a browser app must live with exactly these, so the emulator
// must not be more generous than production (a custom header that works here would fail there).
const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
// DPoP (RFC 9449) adds one request header, the proof, which an API serving DPoP-bound tokens must allow.
const ALLOWED_HEADERS = ['authorization', 'content-type', 'dpop'];
// WWW-Authenticate says why a token was refused; Retry-After is what a 429 or 503 asks the SDK to honour; DPoP-Nonce
// is the nonce a DPoP proof must carry next; Date is the server's clock, by which a client corrects a refused `iat`.
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After, DPoP-Nonce, Date';

/** Whether the request is a CORS preflight, which is answered before routing, counters and faults. */
export function isPreflight(request: Request): boolean {
	return request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
}

/**
 * Validates a list of allowed origins (`http://app.test`, `https://localhost:5173`): each must be a
 * serialized origin, with no path, no wildcard and no `null`. Returns them as a set.
 */
export function checkCorsOrigins(name: string, origins: ReadonlyArray<string>): ReadonlySet<string> {
	if (!Array.isArray(origins)) throw invalidOption(name, 'an array of origins', origins);
	for (const origin of origins) {
		const url = typeof origin === 'string' ? parseUrl(origin) : undefined;
		if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
			throw new InvalidOptionError(
				name,
				`Expected every entry of \`${name}\` to be an origin such as http://app.test (no path, no trailing slash), got \`${String(origin)}\``,
			);
		}
	}
	return new Set(origins);
}

/**
 * The emulator's CORS policy: allowed origins come from `corsOrigins` (any loopback origin when
 * unset); a request without an `Origin` header (Node, curl) is left alone.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export class CorsPolicy {
	#origins: ReadonlySet<string> | undefined;

	constructor(origins: ReadonlySet<string> | undefined) {
		this.#origins = origins;
	}

	/** Replaces the allowed origins; `undefined` goes back to any loopback origin. */
	setOrigins(origins: ReadonlyArray<string> | undefined): void {
		this.#origins = origins === undefined ? undefined : checkCorsOrigins('origins', origins);
	}

	/**
	 * The answer to a preflight. A refused one (origin, method or a header not allowed) carries no CORS
	 * headers, which is how the browser learns to block the real request; 403 makes it readable in devtools.
	 */
	preflight(request: Request): Response {
		const origin = this.#allowedOrigin(request);
		const method = request.headers.get('access-control-request-method') ?? '';
		const headers = (request.headers.get('access-control-request-headers') ?? '')
			.split(',')
			.map((header) => header.trim().toLowerCase())
			.filter(Boolean);
		const refusedHeader = headers.find((header) => !ALLOWED_HEADERS.includes(header));
		if (origin === undefined || !ALLOWED_METHODS.includes(method) || refusedHeader !== undefined) {
			const reason = origin === undefined ? 'origin' : refusedHeader === undefined ? `method ${method}` : `header ${refusedHeader}`;
			return new Response(`CORS preflight refused: ${reason} is not allowed.`, {
				status: 403,
				headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' },
			});
		}
		return new Response(null, {
			status: 204,
			headers: {
				'access-control-allow-origin': origin,
				'access-control-allow-methods': ALLOWED_METHODS.join(', '),
				'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
				'access-control-max-age': '600',
				vary: 'Origin',
			},
		});
	}

	/** Adds the CORS headers an actual response gets for `request`'s origin (a network error has none). */
	apply(request: Request, response: Response): Response {
		if (response.type === 'error' || !request.headers.has('origin')) return response;
		// The answer depends on Origin even when it is refused, so caches must key on it.
		response.headers.append('vary', 'Origin');
		const origin = this.#allowedOrigin(request);
		if (origin !== undefined) {
			response.headers.set('access-control-allow-origin', origin);
			response.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
		}
		return response;
	}

	#allowedOrigin(request: Request): string | undefined {
		const origin = request.headers.get('origin');
		if (origin === null) return undefined;
		const allowed = this.#origins === undefined ? isLoopbackOrigin(origin) : this.#origins.has(origin);
		return allowed ? origin : undefined;
	}
}
