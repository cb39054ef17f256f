// The SPA examples and browser tests call the emulator from another origin; without CORS the
// browser would hide every answer. No credentials mode is needed, so `*` is enough.

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const EXPOSED_HEADERS = 'www-authenticate, retry-after';

/** Whether the request is a CORS preflight, which is answered before routing, counters and faults. */
export function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
}

/** The answer to a preflight: allow whatever headers the browser asks for. */
export function preflightResponse(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? 'authorization, content-type',
      'access-control-max-age': '600',
    },
  });
}

/** Adds the CORS headers to an actual response (a network error has none to add). */
export function withCors(response: Response): Response {
  if (response.type === 'error') return response;
  response.headers.set('access-control-allow-origin', '*');
  response.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
  return response;
}
