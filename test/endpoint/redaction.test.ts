import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { requestToken } from '../../src/endpoint/request-token.js';
import { buildTokenRequest } from '../../src/endpoint/token-request.js';
import { NetworkError, isTokenkeeperError } from '../../src/errors.js';
import type { ClientAuthentication } from '../../src/provider.js';
import { FAST, GRANT, hangingEndpoint, provider, rejectionOf, transport } from '../_helpers/endpoint.js';
import { SECRET, TOKEN_URL, useMockServer } from '../_helpers/token-server.js';

const server = useMockServer();

describe('secret hygiene: the client secret is in no failure', () => {
	it('the check itself finds a secret hidden in a non-enumerable field of a cause', () => {
		const cause = new Error('socket hang up');
		Object.defineProperty(cause, 'request', { value: { body: `client_secret=${SECRET}` }, enumerable: false });
		const error = new NetworkError('could not be reached', { attempts: 1, cause });
		expect(renderings(error).some((text) => text.includes(SECRET))).toBe(true);
	});

	/** Each way the token request can fail, with what the mock server does. */
	const failures: Array<[string, () => { requestTransport?: ReturnType<typeof transport> }]> = [
		[
			'400 invalid_client',
			() => {
				server.use(
					http.post(TOKEN_URL, () => HttpResponse.json({ error: 'invalid_client', error_description: 'Unknown client.' }, { status: 400 })),
				);
				return {};
			},
		],
		[
			'401 without body',
			() => {
				server.use(
					http.post(TOKEN_URL, () => new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="token"' } })),
				);
				return {};
			},
		],
		[
			'persistent 503 HTML',
			() => {
				server.use(
					http.post(
						TOKEN_URL,
						() => new HttpResponse('<h1>Service Unavailable</h1>', { status: 503, headers: { 'content-type': 'text/html' } }),
					),
				);
				return {};
			},
		],
		[
			'persistent 500 server_error',
			() => {
				server.use(http.post(TOKEN_URL, () => HttpResponse.json({ error: 'server_error' }, { status: 500 })));
				return {};
			},
		],
		[
			'429 with Retry-After beyond maxRetryAfter',
			() => {
				server.use(http.post(TOKEN_URL, () => new HttpResponse('slow down', { status: 429, headers: { 'retry-after': '120' } })));
				return { requestTransport: transport({ retry: { ...FAST, maxRetryAfter: 1_000 } }) };
			},
		],
		[
			'200 HTML page',
			() => {
				server.use(
					http.post(TOKEN_URL, () => new HttpResponse('<html>login</html>', { status: 200, headers: { 'content-type': 'text/html' } })),
				);
				return {};
			},
		],
		[
			'200 without access_token',
			() => {
				server.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'Bearer', expires_in: 60 })));
				return {};
			},
		],
		[
			'200 DPoP token',
			() => {
				server.use(http.post(TOKEN_URL, () => HttpResponse.json({ access_token: 'x', token_type: 'DPoP', expires_in: 60 })));
				return {};
			},
		],
		[
			'network error',
			() => {
				server.use(http.post(TOKEN_URL, () => HttpResponse.error()));
				return {};
			},
		],
		[
			'timeout',
			() => {
				server.use(hangingEndpoint().handler);
				return { requestTransport: transport({ timeout: 100 }) };
			},
		],
	];

	/** Every way the secret could be written: raw, form-encoded, JSON-escaped, and inside the Basic credentials. */
	function secretForms(clientAuth: ClientAuthentication): string[] {
		const forms = [SECRET, new URLSearchParams({ s: SECRET }).toString().slice(2), JSON.stringify(SECRET).slice(1, -1)];
		if (clientAuth === 'basic') {
			const { authorization } = buildTokenRequest(provider('basic'), TOKEN_URL, GRANT).headers;
			forms.push(authorization!.slice('Basic '.length));
		}
		return forms;
	}

	/** Everything a log could show of an error: message, stack, JSON, a deep inspect with hidden fields, each cause. */
	function renderings(error: unknown): string[] {
		const texts: string[] = [];
		const seen = new Set<unknown>();
		let current: unknown = error;
		while (current !== undefined && current !== null && !seen.has(current)) {
			seen.add(current);
			const e = current as { message?: unknown; stack?: unknown; cause?: unknown };
			texts.push(String(e.message), String(e.stack), String(current));
			texts.push(JSON.stringify(current) ?? '');
			texts.push(inspect(current, { depth: 10, showHidden: true }));
			current = e.cause;
		}
		return texts;
	}

	for (const clientAuth of ['body', 'basic'] as const) {
		it.each(failures)(`client auth ${clientAuth}: %s`, async (_name, arrange) => {
			const { requestTransport } = arrange();
			const { error } = await rejectionOf(requestToken(provider(clientAuth), GRANT, requestTransport ?? transport()));
			expect(isTokenkeeperError(error)).toBe(true);
			const texts = renderings(error);
			for (const form of secretForms(clientAuth)) {
				for (const text of texts) expect(text).not.toContain(form);
			}
		});
	}
});

describe('a server that echoes secrets back', () => {
	it("the client secret and the grant's secrets are cut out of the error it causes", async () => {
		server.use(
			http.post(TOKEN_URL, async ({ request }) => {
				const params = new URLSearchParams(await request.text());
				return HttpResponse.json(
					{ error: 'invalid_grant', error_description: `bad ${params.get('client_secret')} / ${params.get('refresh_token')}` },
					{ status: 400 },
				);
			}),
		);
		const refreshToken = 'RT-echoed-7a1c9e';
		const { error } = await rejectionOf(
			requestToken(provider('body'), { grant_type: 'refresh_token', refresh_token: refreshToken }, transport()),
		);
		const printed = [String(error), JSON.stringify(error), (error as { errorDescription?: string }).errorDescription].join('\n');
		expect(printed).toContain('[redacted]');
		expect(printed).not.toContain(SECRET);
		expect(printed).not.toContain(refreshToken);
	});
});
