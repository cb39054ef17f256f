import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenManager, isTokenkeeperError } from '../../src/index.js';
import { authFetch } from '../../src/client/auth-fetch.js';
import { createClient } from '../../src/client/create-client.js';
import { ErrorCode, InvalidOptionError } from '../../src/errors.js';
import { createAuthorizationCodeFlow } from '../../src/flow/authorization-code-flow.js';
import { generateCodeVerifier } from '../../src/pkce.js';
import { dotkernel } from '../../src/providers/dotkernel.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import { sqowey } from '../../src/providers/sqowey.js';
import { squidex } from '../../src/providers/squidex.js';
import { FileTokenStore } from '../../src/stores/file/file-token-store.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { RedisTokenStore } from '../../src/stores/redis/redis-token-store.js';
import { createEmulator, providerHandlers } from '../../src/testing/index.js';
import { createTokenSet } from '../../src/token-set.js';
import { renderings } from '../_helpers/secrets.js';

/** Recognisable secrets: a string, and a number (a numeric secret given where a string belongs). */
const SECRET = 'tk-Secret-7Q4wX9pL2mZ8';
const NUMERIC_SECRET = 918_273_645_546_372;
const SECRETS = [SECRET, String(NUMERIC_SECRET)];

const CLIENT = { clientId: 'food-crunch:default', clientSecret: SECRET };
const sessionsDir = mkdtempSync(join(tmpdir(), 'tokenkeeper-invalid-option-'));
afterAll(() => rmSync(sessionsDir, { recursive: true, force: true }));

/** What `make` throws (or rejects with). */
async function thrown(make: () => unknown): Promise<unknown> {
	try {
		await make();
	} catch (error) {
		return error;
	}
	throw new Error('expected a configuration error, got none');
}

/** One configuration mistake: the option it names, and what the message says it got. */
interface Case {
	readonly mistake: string;
	readonly make: () => unknown;
	readonly option: string;
	readonly got: string;
}

/** The families of configuration error, each with the mistakes a new user makes. */
const families: ReadonlyArray<readonly [family: string, cases: readonly Case[]]> = [
	[
		'a string option that may be a secret: only its type is told',
		[
			{
				mistake: 'a number as clientSecret',
				make: () => squidex({ clientId: 'a:b', clientSecret: NUMERIC_SECRET as never }),
				option: 'clientSecret',
				got: 'a number',
			},
			{
				mistake: 'an empty clientSecret',
				make: () => dotkernel({ url: 'https://api.test', clientId: 'frontend', clientSecret: '' }),
				option: 'clientSecret',
				got: 'an empty string',
			},
			{ mistake: 'no clientId', make: () => squidex({ clientSecret: SECRET } as never), option: 'clientId', got: 'undefined' },
			{
				mistake: 'an access token that is a number',
				make: () => createTokenSet({ accessToken: NUMERIC_SECRET as never }),
				option: 'accessToken',
				got: 'a number',
			},
		],
	],
	[
		'client authentication without a usable secret',
		[
			{
				mistake: 'a number as clientSecret with Basic authentication',
				make: () => oauth2({ tokenEndpoint: 'https://login.test/token', clientId: 'a', clientSecret: NUMERIC_SECRET as never }),
				option: 'clientSecret',
				got: 'a number',
			},
		],
	],
	[
		'the provider',
		[
			{ mistake: 'createTokenManager({})', make: () => createTokenManager({} as never), option: 'provider', got: 'an object' },
			{
				mistake: 'createTokenManager() without a provider',
				make: () => createTokenManager(undefined as never),
				option: 'provider',
				got: 'undefined',
			},
		],
	],
	[
		'a URL: shown, but nothing before an @ (a userinfo holds a password)',
		[
			{
				mistake: 'a relative url',
				make: () => squidex({ ...CLIENT, url: 'squidex.example.com' }),
				option: 'url',
				got: '"squidex.example.com"',
			},
			{
				mistake: 'a url with a password that does not parse',
				make: () => sqowey({ url: `https//me:${SECRET}@api.sqowey.test`, clientId: 'a', redirectUri: 'https://app.test/cb' }),
				option: 'url',
				got: '"…@api.sqowey.test"',
			},
			{
				// Without its https://, `me:password@host` parses as a URL of scheme `me:`, with no origin.
				mistake: 'an allowed origin without its scheme, with a password',
				make: () => authFetch({ auth: squidex(CLIENT), allowedOrigins: [`me:${SECRET}@files.test`] }),
				option: 'allowedOrigins',
				got: '"…@files.test"',
			},
			{
				// One option name for both: they are checked as one list (naming each would cost an SPA bytes it has not got).
				mistake: 'a relative prefixUrl',
				make: () => createClient({ prefixUrl: 'api/v1/', auth: squidex(CLIENT) }),
				option: 'prefixUrl and allowedOrigins',
				got: '"api/v1/"',
			},
			{
				mistake: 'a Redis URL with a password that is not redis://',
				make: () => new RedisTokenStore({ url: `http://me:${SECRET}@cache.test:6379` }),
				option: 'url',
				got: 'a http:// URL',
			},
		],
	],
	[
		'a number: shown',
		[
			{ mistake: 'a negative leeway', make: () => createTokenManager(squidex(CLIENT), { leeway: -5 }), option: 'leeway', got: '-5' },
			{
				mistake: 'a timeout no timer can hold',
				make: () => createTokenManager(squidex(CLIENT), { timeout: 2 ** 31 }),
				option: 'timeout',
				got: '2147483648',
			},
			{
				mistake: 'retries as a string (not a secret: shown)',
				make: () => createTokenManager(squidex(CLIENT), { retry: { retries: '3' as never } }),
				option: 'retry.retries',
				got: '"3"',
			},
			{ mistake: 'a memory store of 0 entries', make: () => createMemoryStore({ max: 0 }), option: 'max', got: '0' },
			{ mistake: 'a PKCE verifier too short', make: () => generateCodeVerifier(10), option: 'length', got: '10' },
			{
				mistake: "a Redis store's lock of 0 ms",
				make: () => new RedisTokenStore({ url: 'redis://127.0.0.1:1' }, { lockTtl: 0 }),
				option: 'lockTtl',
				got: '0',
			},
		],
	],
	[
		'a choice',
		[
			{
				mistake: 'storeFailure: "sometimes"',
				make: () => createTokenManager(squidex(CLIENT), { storeFailure: 'sometimes' as never }),
				option: 'storeFailure',
				got: '"sometimes"',
			},
			{
				mistake: 'a scope with a quote',
				make: () =>
					createAuthorizationCodeFlow(sqowey({ clientId: 'a', redirectUri: 'https://app.test/cb' }), {
						storage: 'memory',
					}).createAuthorizationUrl({ scope: ['a"b'] }),
				option: 'scope',
				got: '"a"b"',
			},
		],
	],
	[
		'a function, an object, a list',
		[
			{
				mistake: 'credentials that are not a function',
				make: () => dotkernel({ url: 'https://api.test', clientId: 'a', clientSecret: SECRET, credentials: SECRET as never }),
				option: 'credentials',
				got: 'a string',
			},
			{
				mistake: 'allowedOrigins as one string',
				make: () => authFetch({ auth: squidex(CLIENT), allowedOrigins: 'https://api.test' as never }),
				option: 'allowedOrigins',
				got: 'a string',
			},
			{ mistake: 'a Redis store without url or client', make: () => new RedisTokenStore({} as never), option: 'url', got: 'undefined' },
			{
				mistake: 'a Redis client that is not one',
				make: () => new RedisTokenStore({ client: { password: SECRET } as never }),
				option: 'client',
				got: 'an object',
			},
			{ mistake: 'a file store dir that is a number', make: () => new FileTokenStore({ dir: 5 as never }), option: 'dir', got: 'a number' },
			{
				mistake: 'a DPoP key that is not an EC P-256 private JWK',
				make: () =>
					new FileTokenStore({ dir: sessionsDir }).set('k', createTokenSet({ accessToken: 'x' }), {
						dpopKey: { kty: 'RSA', d: SECRET } as never,
					}),
				option: 'dpopKey',
				got: 'an object',
			},
		],
	],
	[
		"the emulator's own options (tokenkeeper/testing)",
		[
			{
				mistake: 'a negative lifetime',
				make: () => createEmulator({ squidex: { expiresIn: -1 } }),
				option: 'squidex.expiresIn',
				got: '`-1`',
			},
			{
				mistake: 'a client secret that is a number',
				make: () => createEmulator({ oauth2: { clients: [{ clientId: 'a', clientSecret: NUMERIC_SECRET as never }] } }),
				option: 'oauth2.clients[0].clientSecret',
				got: 'a number',
			},
			{
				mistake: 'users that are not a list',
				make: () => providerHandlers({ dotkernel: { users: SECRET as never } }),
				option: 'dotkernel.users',
				got: 'a string',
			},
			{
				mistake: 'a fault of no kind',
				make: () => providerHandlers().injectFault({ kind: 'nope' } as never),
				option: 'fault.kind',
				got: '`nope`',
			},
		],
	],
];

describe('configuration errors: an InvalidOptionError (a TypeError, ERR_INVALID_OPTION) naming the option and what it got, never a secret', () => {
	for (const [family, cases] of families) {
		it.each(cases)(`${family}: $mistake`, async ({ make, option, got }) => {
			const error = await thrown(make);
			expect(error).toBeInstanceOf(TypeError);
			expect(error).toBeInstanceOf(InvalidOptionError);
			expect(isTokenkeeperError(error)).toBe(true);
			const { name, code, message } = error as InvalidOptionError;
			expect({ name, code, option: (error as InvalidOptionError).option }).toEqual({
				name: 'InvalidOptionError',
				code: ErrorCode.InvalidOption,
				option,
			});
			expect(code).toBe('ERR_INVALID_OPTION');
			expect(message).toContain(`\`${option}\``);
			expect(message).toContain(`got ${got}`);
			expect(JSON.parse(JSON.stringify(error))).toEqual({ name, code, message, option });
			for (const text of renderings(error)) for (const secret of SECRETS) expect(text).not.toContain(secret);
		});
	}
});
