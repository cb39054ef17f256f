import { inspect } from 'node:util';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { DiagnosticsChannel } from '../../src/diagnostics/channels.js';
import { createMemoryStorage, type KeyValueStorage } from '../../src/key-value-storage.js';
import {
	createAuthorizationCodeFlow,
	createTokenManager,
	isOAuthError,
	oauth2,
	type OAuth2Options,
	type OAuthError,
	type TokenManager,
} from '../../src/index.js';
import { recordChannels } from '../_helpers/diagnostics.js';
import { findSecrets, renderings } from '../_helpers/secrets.js';
import { TOKEN_URL, useMockServer } from '../_helpers/token-server.js';

/**
 * Secret hygiene against servers that echo what they were sent, through their JSON encoder: PHP writes `/` as `\/`,
 * Gson `=` and `&` as `\u003d` and `\u0026`, .NET's System.Text.Json `+` and `"` as `\u002B` and `\u0022`, and any
 * encoder may write any character as `\uXXXX`. Whatever the escaping, no secret the request carried may reach the
 * OAuthError (message, errorDescription, extras, error), the `error` event, or the diagnostics channel's `error`.
 */
const server = useMockServer();

const CLIENT_SECRET = 'cs/Kq9+w3Z=x&"Lm<7>8fA2e';
const PASSWORD = 'pw/"Hunter&2=x+y';
const REFRESH_TOKEN = 'RT/8Jd+Qa3Zk9wLm4x==';
/** Unreserved characters only (RFC 7636 4.1), as every verifier: only an encoder that escapes `-._~` alters it. */
const VERIFIER = 'pkce-verifier_with.every~unreserved-mark_0123456789abcdefghijk';
const CODE = 'code-5b9e';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** A character as `\uXXXX`. */
const unicode = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** How servers' JSON encoders write a character, when not as JSON.stringify does. */
const ENCODERS: Record<string, (char: string) => string | undefined> = {
	'PHP json_encode (`\\/`)': (char) => (char === '/' ? '\\/' : undefined),
	'Gson (`\\u003d`, `\\u0026`, `\\u003c`, `\\u003e`, `\\u0027`)': (char) => ("=&<>'".includes(char) ? unicode(char) : undefined),
	'.NET System.Text.Json (`\\u002B`, `\\u0022`…)': (char) =>
		'+"&<>\'`'.includes(char) ? `\\u${unicode(char).slice(2).toUpperCase()}` : undefined,
	'every punctuation mark as \\uXXXX': (char) => (/[^A-Za-z0-9 ]/.test(char) ? unicode(char) : undefined),
};

/** JSON, written as a server with this encoder writes it. */
function writeJson(value: unknown, encode: (char: string) => string | undefined): string {
	if (typeof value === 'string') return `"${[...value].map((char) => encode(char) ?? JSON.stringify(char).slice(1, -1)).join('')}"`;
	if (Array.isArray(value)) return `[${value.map((item) => writeJson(item, encode)).join(',')}]`;
	if (typeof value === 'object' && value !== null) {
		return `{${Object.entries(value)
			.map(([name, item]) => `${writeJson(name, encode)}:${writeJson(item, encode)}`)
			.join(',')}}`;
	}
	return JSON.stringify(value);
}

/** Where an error body can echo a secret: RFC 6749's fields and extras, Dotkernel's sentence, Dotkernel's messages. */
const BODIES: Record<string, (secret: string) => unknown> = {
	'RFC 6749, description and extras': (secret) => ({
		error: 'invalid_request',
		error_description: `The value "${secret}" was refused for client app.`,
		hint: secret,
		details: { received: [`value=${secret}&other=1`, { value: secret }] },
	}),
	"Dotkernel's sentence in `error`": (secret) => ({ error: `Invalid credentials: ${secret}.`, message: `received ${secret}` }),
	"Dotkernel's messages": (secret) => ({ error: { messages: ['Could not use', secret] } }),
};

/** What the token endpoint was sent: the form or JSON body's parameters, and the client secret of a Basic header. */
async function sentParameters(request: Request): Promise<Record<string, string>> {
	const text = await request.text();
	const params: Record<string, string> = request.headers.get('content-type')?.includes('json')
		? JSON.parse(text)
		: Object.fromEntries(new URLSearchParams(text));
	const basic = request.headers.get('authorization')?.replace(/^Basic /, '');
	if (basic) params.client_secret = decodeURIComponent(atob(basic).split(':')[1]!.replace(/\+/g, ' '));
	return params;
}

/** A token endpoint that refuses every request, echoing the parameter `echoed` in the body `shape`, with `encode`. */
function echoing(echoed: string, shape: (secret: string) => unknown, encode: (char: string) => string | undefined) {
	server.use(
		http.post(TOKEN_URL, async ({ request }) => {
			const secret = (await sentParameters(request))[echoed];
			if (secret === undefined) return HttpResponse.json({ error: 'invalid_request' }, { status: 400 });
			return new HttpResponse(writeJson(shape(secret), encode), { status: 400, headers: { 'content-type': 'application/json' } });
		}),
	);
}

/** An attempt storage that swaps in {@link VERIFIER}: a random verifier lacks `-` and `_` one time in eight. */
function knownVerifierStorage(): KeyValueStorage {
	const storage = createMemoryStorage();
	return {
		getItem: (key) => storage.getItem(key),
		setItem: (key, value) => storage.setItem(key, JSON.stringify({ ...JSON.parse(value), codeVerifier: VERIFIER })),
		removeItem: (key) => storage.removeItem(key),
	};
}

const provider = (options: Partial<OAuth2Options> = {}) =>
	oauth2({ tokenEndpoint: TOKEN_URL, clientId: 'app', clientSecret: CLIENT_SECRET, ...options });

/** Each secret a token request carries, the parameter it is sent as, and a way to have it sent. */
const SECRETS: Array<[name: string, secret: string, parameter: string, send: () => { tokens: TokenManager; done: Promise<unknown> }]> = [
	[
		'client secret (in the form body)',
		CLIENT_SECRET,
		'client_secret',
		() => {
			const tokens = createTokenManager(provider({ clientAuth: 'body' }));
			return { tokens, done: tokens.getToken() };
		},
	],
	[
		'client secret (in a Basic header)',
		CLIENT_SECRET,
		'client_secret',
		() => {
			const tokens = createTokenManager(provider({ clientAuth: 'basic' }));
			return { tokens, done: tokens.getToken() };
		},
	],
	[
		'password (in a JSON body)',
		PASSWORD,
		'password',
		() => {
			const credentials = async () => ({ username: 'someone@example.net', password: PASSWORD });
			const tokens = createTokenManager(provider({ clientAuth: 'body', bodyEncoding: 'json', grant: 'password', credentials }));
			return { tokens, done: tokens.getToken() };
		},
	],
	[
		'refresh token',
		REFRESH_TOKEN,
		'refresh_token',
		() => {
			const tokens = createTokenManager(provider({ clientAuth: 'body' }));
			const done = tokens
				.setTokens({ accessToken: 'expired-access-token', refreshToken: REFRESH_TOKEN, expiresAt: 0 })
				.then(() => tokens.getToken());
			return { tokens, done };
		},
	],
	[
		'code verifier',
		VERIFIER,
		'code_verifier',
		() => {
			const flow = createAuthorizationCodeFlow(
				provider({
					clientSecret: undefined,
					grant: 'authorization_code',
					authorizationEndpoint: 'https://auth.test/authorize',
					redirectUri: REDIRECT_URI,
				}),
				{ attemptStorage: knownVerifierStorage(), storage: 'memory' },
			);
			const done = flow.createAuthorizationUrl().then((url) => {
				const state = new URL(url).searchParams.get('state')!;
				return flow.handleCallback(`${REDIRECT_URI}?code=${CODE}&state=${state}`);
			});
			return { tokens: flow.tokens, done };
		},
	],
];

const cases = SECRETS.flatMap(([name, secret, parameter, send]) =>
	Object.entries(ENCODERS).flatMap(([encoder, encode]) =>
		Object.entries(BODIES).map(([body, shape]) => ({ title: `${name}, ${encoder}, ${body}`, secret, parameter, send, encode, shape })),
	),
);

describe('secret hygiene: a server that echoes the secrets it was sent, JSON-escaped', () => {
	it.each(cases)(
		'$title -> no part of it in the OAuthError, the `error` event or the diagnostics channel',
		async ({ secret, parameter, send, encode, shape }) => {
			echoing(parameter, shape, encode);
			const channels = recordChannels();
			const events: unknown[] = [];
			let thrown: unknown;
			try {
				const { tokens, done } = send();
				tokens.on('error', (event) => events.push(event));
				thrown = await done.then(
					() => undefined,
					(error: unknown) => error,
				);
			} finally {
				channels.stop();
			}
			expect(isOAuthError(thrown), String(thrown)).toBe(true);
			const error = thrown as OAuthError;
			const secrets = new Map([['the secret', secret]]);
			const channelErrors = channels.on(DiagnosticsChannel.TokenRequest, 'error').map((message) => (message as { error?: unknown }).error);
			expect(channelErrors).toHaveLength(1);
			expect(events).toHaveLength(1);
			const surfaces: Array<readonly [string, string]> = [
				['OAuthError.message', error.message],
				['OAuthError.error', error.error],
				['OAuthError.errorDescription', String(error.errorDescription)],
				['OAuthError.extras', JSON.stringify(error.extras)],
				['OAuthError.extras (inspect)', inspect(error.extras, { depth: 10 })],
				...renderings(error).map((text) => ['the OAuthError, printed', text] as const),
				...events.flatMap((event) => [
					['the `error` event', inspect(event, { depth: 10, showHidden: true })] as const,
					...renderings((event as { error: unknown }).error).map((text) => ['the `error` event', text] as const),
				]),
				...channelErrors.flatMap((channelError) =>
					renderings(channelError).map((text) => ["the diagnostics channel's `error`", text] as const),
				),
			];
			expect(findSecrets(surfaces, secrets)).toEqual([]);
			// The echo came back, and was redacted rather than lost.
			expect(`${error.error} ${error.errorDescription} ${JSON.stringify(error.extras)}`).toContain('[redacted]');
		},
	);
});
