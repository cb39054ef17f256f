import { inspect } from 'node:util';
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { requestDeviceAuthorization } from '../../src/endpoint/device-authorization.js';
import { redact } from '../../src/endpoint/redaction.js';
import { requestToken } from '../../src/endpoint/request-token.js';
import { revokeTokenSet } from '../../src/endpoint/revocation.js';
import { buildTokenRequest } from '../../src/endpoint/token-request.js';
import { processErrorResponse } from '../../src/endpoint/token-response.js';
import { NetworkError, isOAuthError, isTokenkeeperError, type OAuthError } from '../../src/errors.js';
import { authorizationCodeGrant, deviceCodeGrant, passwordGrant } from '../../src/grants.js';
import type { ClientAuthentication } from '../../src/provider.js';
import { createTokenSet } from '../../src/token-set.js';
import { findSecrets, renderings as renderingsOf } from '../_helpers/secrets.js';
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

const RUNS = Number(process.env.TOKENKEEPER_PROPERTY_RUNS ?? 150);
/** Characters of base64, base64url and the punctuation secrets hold; never `[` or `]`, which `[redacted]` is made of. */
const SECRET_CHARACTERS = fc.constantFrom(...'ABCxyz0189+/=-_.~:!$&\'"()*,;@%^{}|<>?#'.split(''));
const WORD = fc.stringMatching(/^\w+$/);

describe('redact: tokens, not characters', () => {
	it('a one-character secret leaves every word holding it whole, and is cut out where it stands alone', () => {
		expect(redact('retries exhausted (x): x=1, 0x1F, "x"', ['x'])).toBe('retries exhausted ([redacted]): [redacted]=1, 0x1F, "[redacted]"');
	});

	it('what a secret holds does not matter: `app:client` stands alone in `(app:client)`, not in `myapp:client`', () => {
		expect(redact('id=app:client (app:client) myapp:client app:clients', ['app:client'])).toBe(
			'id=[redacted] ([redacted]) myapp:client app:clients',
		);
	});

	it('a letter outside ASCII is no letter: a short password echoed inside Chinese text is cut out', () => {
		expect(redact('密码pw1错误', ['pw1'])).toBe('密码[redacted]错误');
	});

	it('a secret of 12 characters or more is cut out wherever it occurs: stuck to an escape or inside a word', () => {
		const token = 'RT-8Jd+Qa3Zk9w';
		expect(redact(`refresh_token%3D${token}%26 \\u003d${token} x${token}y`, [token])).toBe(
			'refresh_token%3D[redacted]%26 \\u003d[redacted] x[redacted]y',
		);
	});

	it('longest first: a secret containing another leaves no tail', () => {
		expect(redact('RT-8Jd+Qa3Zk9w-and-more RT-8Jd+Qa3Zk9w', ['RT-8Jd+Qa3Zk9w', 'RT-8Jd+Qa3Zk9w-and-more'])).toBe('[redacted] [redacted]');
	});

	it('property: words that merely contain a short secret come out unchanged', () => {
		fc.assert(
			fc.property(
				fc.stringMatching(/^\w{1,11}$/),
				fc.array(WORD, { maxLength: 8 }),
				fc.constantFrom(' ', ', ', '/', '-'),
				(secret, words, separator) => {
					const text = words.filter((word) => word !== secret).join(separator);
					expect(redact(text, [secret])).toBe(text);
				},
			),
			{ numRuns: RUNS },
		);
	});

	it('property: a secret standing alone between separators is cut out, whatever it holds', () => {
		fc.assert(
			fc.property(fc.string({ unit: SECRET_CHARACTERS, minLength: 1, maxLength: 40 }), WORD, WORD, (secret, before, after) => {
				expect(redact(`${before} ${secret} ${after}`, [secret])).toContain(' [redacted] ');
			}),
			{ numRuns: RUNS },
		);
	});

	it('property: a secret of 12 characters or more never survives, wherever it stands and however many there are', () => {
		fc.assert(
			fc.property(
				fc.array(fc.string({ unit: SECRET_CHARACTERS, minLength: 12, maxLength: 40 }), { minLength: 1, maxLength: 3 }),
				fc.array(fc.oneof(fc.string({ unit: SECRET_CHARACTERS, maxLength: 3 }), WORD), { maxLength: 6 }),
				(secrets, fillers) => {
					const text = secrets.map((secret, index) => `${fillers[index] ?? ''}${secret}${fillers.at(-index - 1) ?? ''}`).join('');
					const redacted = redact(text, secrets);
					for (const secret of secrets) expect(redacted).not.toContain(secret);
				},
			),
			{ numRuns: RUNS },
		);
	});
});

/** A JSON string, each character written as JSON.stringify does or, where `escaped` says so, as `\uXXXX`. */
function jsonString(text: string, escaped: readonly boolean[]): string {
	return `"${[...text]
		.map((char, index) =>
			escaped[index % escaped.length]
				? [...char].map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
				: JSON.stringify(char).slice(1, -1),
		)
		.join('')}"`;
}

/** Every string in a parsed value, keys aside. */
function stringsIn(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (typeof value !== 'object' || value === null) return [];
	return Object.values(value).flatMap(stringsIn);
}

describe('an error body that echoes a secret, escaped any way JSON allows', () => {
	it('property: no secret of 12 characters or more reaches the error, its fields or its extras', () => {
		fc.assert(
			fc.property(
				fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }).filter((secret) => !/[[\]]/.test(secret)),
				fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
				(password, escaped) => {
					const { secrets } = buildTokenRequest(provider('body'), TOKEN_URL, passwordGrant({ username: 'someone', password }, undefined));
					const echo = jsonString(password, escaped);
					const bodyText = `{"error":${jsonString(`bad ${password}`, escaped)},"error_description":${echo},"hint":[${echo},{"nested":${echo}}]}`;
					const error = processErrorResponse({
						status: 400,
						contentType: 'application/json',
						bodyText,
						receivedAt: 0,
						secrets,
					}) as OAuthError;
					expect(isOAuthError(error)).toBe(true);
					for (const text of [error.message, error.error, String(error.errorDescription), ...stringsIn(error.extras)]) {
						expect(text).not.toContain(password);
					}
				},
			),
			{ numRuns: RUNS },
		);
	});

	it('a JSON text quoted inside a string (our JSON body, echoed): the secret as JSON escapes it is cut out too', () => {
		const password = 'pw"with\\quotes-0b7e';
		const { secrets, body } = buildTokenRequest(
			provider('body', { bodyEncoding: 'json' }),
			TOKEN_URL,
			passwordGrant({ username: 'u', password }, undefined),
		);
		const error = processErrorResponse({
			status: 400,
			contentType: 'application/json',
			bodyText: JSON.stringify({ error: 'invalid_request', error_description: `Malformed body: ${body}` }),
			receivedAt: 0,
			secrets,
		}) as OAuthError;
		expect(error.errorDescription).toContain('"password":"[redacted]"');
		expect(findSecrets([['errorDescription', String(error.errorDescription)]], new Map([['password', password]]))).toEqual([]);
	});
});

describe('every secret a request carries, echoed escaped', () => {
	const CODE = 'code/5b9e+Kq=';
	const VERIFIER = 'verifier-with.every~unreserved_mark-0123456789abcdefghijklmno';
	const DEVICE_CODE = 'device/Code+9f=Lm';
	const REFRESH_TOKEN = 'RT/8Jd+Qa3Zk9wLm4x==';
	const ACCESS_TOKEN = 'AT/7Qc+Zk2Wp8xLn3y==';
	const REVOKE_URL = 'https://auth.test/oauth/revoke';
	const DEVICE_URL = 'https://auth.test/oauth/device';
	/** What an encoder that escapes every character but letters, digits and spaces writes. */
	const escapeAll = (text: string) =>
		jsonString(
			text,
			[...text].map((char) => /[^A-Za-z0-9 ]/.test(char)),
		);

	/** An endpoint that refuses, echoing every parameter and the Basic credentials it got, PHP-escaped and `\u`-escaped. */
	const refusing = (url: string) =>
		http.post(url, async ({ request }) => {
			const text = await request.text();
			const params = Object.fromEntries(new URLSearchParams(text));
			const basic = request.headers.get('authorization')?.replace(/^Basic /, '');
			const values = [
				...Object.values(params),
				...(basic
					? atob(basic)
							.split(':')
							.map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
					: []),
			];
			const php = (value: string) => JSON.stringify(value).replaceAll('/', '\\/');
			const bodyText = `{"error":"invalid_request","error_description":${escapeAll(`received ${values.join(' and ')}`)},"received":[${values.map(php).join(',')}]}`;
			return new HttpResponse(bodyText, { status: 400, headers: { 'content-type': 'application/json' } });
		});

	const cases: Array<[string, Map<string, string>, () => Promise<unknown>]> = [
		[
			'code and code verifier (authorization code grant)',
			new Map([
				['code', CODE],
				['code verifier', VERIFIER],
			]),
			async () =>
				(await rejectionOf(requestToken(provider('basic'), authorizationCodeGrant(CODE, 'https://app.test/cb', VERIFIER), transport())))
					.error,
		],
		[
			'device code (device access token request)',
			new Map([['device code', DEVICE_CODE]]),
			async () => (await rejectionOf(requestToken(provider('body'), deviceCodeGrant(DEVICE_CODE), transport()))).error,
		],
		[
			'client secret (device authorization request)',
			new Map([['client secret', SECRET]]),
			async () => {
				const device = provider('body', { deviceAuthorizationEndpoint: DEVICE_URL });
				return (await rejectionOf(requestDeviceAuthorization('openid')(device, transport(), undefined))).error;
			},
		],
		[
			'refresh token and access token (revocation)',
			new Map([
				['refresh token', REFRESH_TOKEN],
				['access token', ACCESS_TOKEN],
			]),
			async () => {
				const revoking = provider('basic', { revocationEndpoint: REVOKE_URL });
				const tokenSet = createTokenSet({ accessToken: ACCESS_TOKEN, tokenType: 'Bearer', refreshToken: REFRESH_TOKEN, receivedAt: 0 }, 0);
				const errors = await revokeTokenSet(revoking, tokenSet, transport());
				expect(errors).toHaveLength(2);
				return errors;
			},
		],
	];

	it.each(cases)('%s -> in no error, field or extra', async (_name, secrets, run) => {
		server.use(refusing(TOKEN_URL), refusing(REVOKE_URL), refusing(DEVICE_URL));
		const outcome = await run();
		const errors = Array.isArray(outcome) ? outcome : [outcome];
		for (const error of errors) {
			expect(isOAuthError(error), String(error)).toBe(true);
			expect((error as OAuthError).errorDescription).toContain('[redacted]');
		}
		const texts = errors.flatMap((error) => renderingsOf(error).map((text) => ['the error', text] as const));
		expect(
			findSecrets(
				[...texts, ...errors.map((error) => ['extras', inspect((error as OAuthError).extras, { depth: 10 })] as const)],
				new Map([...secrets, ['client secret', SECRET]]),
			),
		).toEqual([]);
	});
});
