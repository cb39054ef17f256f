import { http, HttpResponse, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A recognisable secret: tests assert it never appears in errors, logs or events. */
export const SECRET = 'S3CRET-client-secret-9f2c';

export const TOKEN_URL = 'https://auth.test/oauth/token';
export const API_URL = 'https://api.test';

/** One token request as the mock server saw it. */
export interface SeenTokenRequest {
	readonly contentType: string;
	readonly authorization: string | null;
	readonly params: Record<string, string>;
}

/**
 * A scriptable token endpoint for msw: each request is answered by the next responder
 * (the last one repeats), and every request is recorded.
 */
export function createTokenEndpoint(url = TOKEN_URL) {
	const seen: SeenTokenRequest[] = [];
	let issued = 0;
	let responders: Array<(request: SeenTokenRequest) => Response | Promise<Response>> = [() => issue()];

	function issue(extra: Record<string, JsonBodyType> = {}): Response {
		issued += 1;
		return HttpResponse.json({ access_token: `access-${issued}`, token_type: 'bearer', expires_in: 3600, ...extra });
	}

	const handler = http.post(url, async ({ request }) => {
		const contentType = request.headers.get('content-type') ?? '';
		const text = await request.text();
		const params = contentType.includes('json')
			? (JSON.parse(text) as Record<string, string>)
			: Object.fromEntries(new URLSearchParams(text));
		const entry = { contentType, authorization: request.headers.get('authorization'), params };
		seen.push(entry);
		const responder = responders.length > 1 ? responders.shift()! : responders[0]!;
		return responder(entry);
	});

	return {
		handler,
		seen,
		issue,
		get issued() {
			return issued;
		},
		/** Forget what was seen and issued, and answer with fresh tokens again. */
		reset() {
			seen.length = 0;
			issued = 0;
			responders = [() => issue()];
		},
		/** Answer the next requests with these responders, in order; the last one repeats. */
		respond(...next: Array<(request: SeenTokenRequest) => Response | Promise<Response>>) {
			responders = next;
		},
	};
}

/**
 * A token endpoint whose access tokens an API accepts until they are revoked: `accepted` holds them (clear it to
 * revoke every one), `issueAccepted()` answers a token request with one more; `api` is a GET handler at
 * {@link API_URL} that answers 200 to an accepted Bearer token and 401 otherwise. `reset()` before each test.
 */
export function createRevocableTokens() {
	const endpoint = createTokenEndpoint();
	const accepted = new Set<string>();
	const isAccepted = (authorization: string | null) => {
		const token = authorization?.replace(/^Bearer /, '');
		return token !== undefined && accepted.has(token);
	};
	const issueAccepted = () => {
		const response = endpoint.issue();
		accepted.add(`access-${endpoint.issued}`);
		return response;
	};
	const api = http.get(`${API_URL}/*`, ({ request }) =>
		isAccepted(request.headers.get('authorization')) ? HttpResponse.json({ ok: true }) : new HttpResponse(null, { status: 401 }),
	);
	return {
		endpoint,
		accepted,
		isAccepted,
		issueAccepted,
		api,
		reset() {
			endpoint.reset();
			endpoint.respond(issueAccepted);
			accepted.clear();
		},
	};
}

/** An msw server that errors on any request no handler expects. */
export function startMockServer(...handlers: Parameters<typeof setupServer>) {
	const server = setupServer(...handlers);
	server.listen({ onUnhandledRequest: 'error' });
	return server;
}

/** An msw server for the calling test file: listening from its first test, reset after each, closed after the last. */
export function useMockServer(...handlers: Parameters<typeof setupServer>) {
	const server = setupServer(...handlers);
	beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
	afterEach(() => server.resetHandlers());
	afterAll(() => server.close());
	return server;
}
