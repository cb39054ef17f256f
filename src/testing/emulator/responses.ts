/** Headers RFC 6749 section 5.1 requires on every token response. */
export const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** A JSON response with `content-type: application/json`. */
export function json(body: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { ...headers, 'content-type': 'application/json' },
	});
}

/** 405 with the `Allow` header, as routers answer a known path with the wrong method. */
export function methodNotAllowed(allowed: readonly string[], body: unknown): Response {
	return json(body, 405, { allow: allowed.join(', ') });
}

/** 401 with a `WWW-Authenticate` challenge and no body, as a protected resource refuses a token. */
export function unauthorized(challenge: string): Response {
	return new Response(null, { status: 401, headers: { 'www-authenticate': challenge } });
}
