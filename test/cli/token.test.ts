import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { runCli } from '../_helpers/cli.js';

let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.resetCounters());

const squidexArgs = () => ['token', 'squidex', '--url', emulator.url, '--client-id', emulator.credentials.squidex.clientId];
const squidexSecret = () => emulator.credentials.squidex.clientSecret;

function dotkernelArgs(): string[] {
	const { url, clientId, username } = emulator.credentials.dotkernel;
	return ['token', 'dotkernel', '--url', url, '--client-id', clientId, '--username', username];
}

async function squidexApiStatus(token: string): Promise<number> {
	const response = await fetch(`${emulator.url}/api/apps/food-crunch/schemas`, { headers: { authorization: `Bearer ${token}` } });
	return response.status;
}

describe('tokenkeeper token squidex', () => {
	it("prints exactly one access token and a newline, which the emulator's API accepts", async () => {
		const result = await runCli(squidexArgs(), { env: { TOKENKEEPER_CLIENT_SECRET: squidexSecret() } });
		expect(result).toMatchObject({ code: 0, stderr: '' });
		expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\n$/);
		expect(await squidexApiStatus(result.stdout.trim())).toBe(200);
		expect(emulator.counters().tokenRequests.client_credentials).toBe(1);
	});

	it('--json prints the whole token set, which parses, access token included', async () => {
		const result = await runCli([...squidexArgs(), '--json'], { env: { TOKENKEEPER_CLIENT_SECRET: squidexSecret() } });
		expect(result.code).toBe(0);
		const tokenSet = JSON.parse(result.stdout) as Record<string, unknown>;
		expect(tokenSet).toMatchObject({ tokenType: 'Bearer', scope: 'squidex-api' });
		expect(tokenSet.expiresAt).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
		expect(await squidexApiStatus(tokenSet.accessToken as string)).toBe(200);
	});

	it('a wrong secret exits 1 with the OAuth error on one stderr line, and the secret appears nowhere', async () => {
		const wrong = 'WRONG-secret-5d0c1e';
		const result = await runCli(squidexArgs(), { env: { TOKENKEEPER_CLIENT_SECRET: wrong } });
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_OAUTH: .*invalid_client.*\n$/);
		expect(result.stderr).not.toContain(wrong);
	});

	it('--verbose adds the stack, still without the secret', async () => {
		const wrong = 'WRONG-secret-verbose-77aa';
		const result = await runCli([...squidexArgs(), '--verbose'], { env: { TOKENKEEPER_CLIENT_SECRET: wrong } });
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('invalid_client');
		expect(result.stderr).toMatch(/\n\s+at /);
		expect(result.stderr).not.toContain(wrong);
	});

	it('a missing secret exits 2, says how to pass one, and sends no token request', async () => {
		const result = await runCli(squidexArgs());
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr).toContain('TOKENKEEPER_CLIENT_SECRET');
		expect(result.stderr).toContain('--client-secret-stdin');
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});

	it('--client-secret-stdin reads the secret from stdin, trimming one trailing newline', async () => {
		const result = await runCli([...squidexArgs(), '--client-secret-stdin'], { input: `${squidexSecret()}\n` });
		expect(result).toMatchObject({ code: 0, stderr: '' });
		expect(await squidexApiStatus(result.stdout.trim())).toBe(200);
	});

	it('--client-secret-stdin beats the environment variable: explicit wins', async () => {
		const result = await runCli([...squidexArgs(), '--client-secret-stdin'], {
			input: squidexSecret(),
			env: { TOKENKEEPER_CLIENT_SECRET: 'stale-env-secret' },
		});
		expect(result.code).toBe(0);
	});

	it('--client-secret-stdin with an empty stdin exits 2', async () => {
		const result = await runCli([...squidexArgs(), '--client-secret-stdin'], { input: '' });
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('stdin');
	});

	it('--client-secret in argv works, with a warning that argv is visible, which does not repeat the secret', async () => {
		const result = await runCli([...squidexArgs(), '--client-secret', squidexSecret()]);
		expect(result.code).toBe(0);
		expect(result.stderr).toMatch(/^tokenkeeper: warning: .*argv.*other users/);
		expect(result.stderr).not.toContain(squidexSecret());
		expect(await squidexApiStatus(result.stdout.trim())).toBe(200);
	});

	it('usage errors exit 2 without a token request: unknown option, missing --client-id, bad --url, bad --timeout', async () => {
		const env = { TOKENKEEPER_CLIENT_SECRET: squidexSecret() };
		const cases = [
			[...squidexArgs(), '--frobnicate'],
			['token', 'squidex', '--url', emulator.url],
			['token', 'squidex', '--url', 'not a url', '--client-id', 'a:b'],
			[...squidexArgs(), '--timeout', 'soon'],
			['token', 'nosuchprovider'],
			['nosuchcommand'],
		];
		for (const args of cases) {
			const result = await runCli(args, { env });
			expect({ args, code: result.code, lines: result.stderr.trim().split('\n').length }).toEqual({ args, code: 2, lines: 1 });
			expect(result.stderr).toMatch(/--help/);
		}
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});

	it('a stray argument is refused without being echoed: it may be a secret typed in the wrong place', async () => {
		const stray = 'looks-like-a-secret-91b2';
		const result = await runCli([...squidexArgs(), '--client-secret-stdin', stray], { input: squidexSecret() });
		expect(result.code).toBe(2);
		expect(result.stderr).not.toContain(stray);
	});

	it('an unreachable token endpoint exits 3 with ERR_NETWORK', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise((resolve) => closed.close(resolve));
		const result = await runCli(['token', 'squidex', '--url', `http://127.0.0.1:${port}`, '--client-id', 'a:b', '--retries', '0'], {
			env: { TOKENKEEPER_CLIENT_SECRET: 'x' },
		});
		expect(result.code).toBe(3);
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_NETWORK: /);
	});

	it('a timeout exits 3 with ERR_TIMEOUT', async () => {
		emulator.injectFault({ kind: 'hang' }, { times: 1 });
		const result = await runCli([...squidexArgs(), '--no-cache', '--timeout', '200', '--retries', '0'], {
			env: { TOKENKEEPER_CLIENT_SECRET: squidexSecret() },
		});
		emulator.clearFaults();
		expect(result.code).toBe(3);
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_TIMEOUT: /);
	});

	it('--help prints the options and the exit codes on stdout, exit 0', async () => {
		const result = await runCli(['token', 'squidex', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('--client-secret-stdin');
		expect(result.stdout).toContain(
			'Exit codes: 0 ok, 1 the server refused or a login is needed, 2 usage error, 3 network, 4 the sessions on disk.',
		);
	});
});

describe('tokenkeeper token dotkernel', () => {
	const env = () => ({
		TOKENKEEPER_CLIENT_SECRET: emulator.credentials.dotkernel.clientSecret,
		TOKENKEEPER_PASSWORD: emulator.credentials.dotkernel.password,
	});

	it('prints an access token the Dotkernel API accepts; --json includes the refresh token', async () => {
		const plain = await runCli(dotkernelArgs(), { env: env() });
		expect(plain).toMatchObject({ code: 0, stderr: '' });
		const account = await fetch(`${emulator.url}/user/my-account`, { headers: { authorization: `Bearer ${plain.stdout.trim()}` } });
		expect(account.status).toBe(200);

		const json = await runCli([...dotkernelArgs(), '--json'], { env: env() });
		expect(JSON.parse(json.stdout)).toMatchObject({
			tokenType: 'Bearer',
			refreshToken: expect.any(String),
			accessToken: expect.any(String),
		});
	});

	it('reads the password from stdin with --password-stdin', async () => {
		const { TOKENKEEPER_CLIENT_SECRET } = env();
		const result = await runCli([...dotkernelArgs(), '--password-stdin'], {
			env: { TOKENKEEPER_CLIENT_SECRET },
			input: `${emulator.credentials.dotkernel.password}\n`,
		});
		expect(result.code).toBe(0);
	});

	it('a wrong password exits 1 without showing the password', async () => {
		const wrong = 'WRONG-password-3c9d';
		const result = await runCli(dotkernelArgs(), { env: { ...env(), TOKENKEEPER_PASSWORD: wrong } });
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_OAUTH: /);
		expect(result.stderr).not.toContain(wrong);
	});

	it('a missing password exits 2 and names TOKENKEEPER_PASSWORD; both secrets on stdin exits 2', async () => {
		const { TOKENKEEPER_CLIENT_SECRET } = env();
		const missing = await runCli(dotkernelArgs(), { env: { TOKENKEEPER_CLIENT_SECRET } });
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('TOKENKEEPER_PASSWORD');
		const both = await runCli([...dotkernelArgs(), '--password-stdin', '--client-secret-stdin'], { input: 'x' });
		expect(both.code).toBe(2);
	});
});

describe('tokenkeeper token oauth2', () => {
	const tokenEndpoint = () => `${emulator.url}/identity-server/connect/token`;

	it('--token-endpoint: client credentials with Basic authentication', async () => {
		const result = await runCli(
			[
				'token',
				'oauth2',
				'--token-endpoint',
				tokenEndpoint(),
				'--client-id',
				emulator.credentials.squidex.clientId,
				'--scope',
				'squidex-api',
			],
			{ env: { TOKENKEEPER_CLIENT_SECRET: squidexSecret() } },
		);
		expect(result).toMatchObject({ code: 0, stderr: '' });
		expect(await squidexApiStatus(result.stdout.trim())).toBe(200);
	});

	it('needs exactly one of --token-endpoint and --issuer (exit 2)', async () => {
		const env = { TOKENKEEPER_CLIENT_SECRET: 'x' };
		expect((await runCli(['token', 'oauth2', '--client-id', 'a'], { env })).code).toBe(2);
		expect(
			(await runCli(['token', 'oauth2', '--client-id', 'a', '--issuer', emulator.url, '--token-endpoint', tokenEndpoint()], { env })).code,
		).toBe(2);
	});

	describe('against a server that echoes the secret back in its error', () => {
		let echo: Server;
		let echoUrl: string;
		beforeAll(async () => {
			echo = createServer((request, response) => {
				let body = '';
				request.on('data', (chunk: Buffer) => (body += chunk.toString()));
				request.on('end', () => {
					const secret = new URLSearchParams(body).get('client_secret') ?? '';
					response.writeHead(401, { 'content-type': 'application/json' });
					response.end(JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${secret}`, hint: secret }));
				});
			});
			await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
			echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/token`;
		});
		afterAll(() => new Promise((resolve) => echo.close(resolve)));

		it('exits 1 and stderr, even --verbose, never shows the secret', async () => {
			const secret = 'echoed-secret-6f0a2b';
			const result = await runCli(
				['token', 'oauth2', '--token-endpoint', echoUrl, '--client-id', 'a', '--client-auth', 'body', '--verbose'],
				{
					env: { TOKENKEEPER_CLIENT_SECRET: secret },
				},
			);
			expect(result.code).toBe(1);
			expect(result.stderr).toContain('invalid_client');
			expect(result.stderr).not.toContain(secret);
		});

		it('a one-character secret, --verbose: redacted where it stands alone, never inside a word (no `e[redacted]hausted`)', async () => {
			const result = await runCli(
				['token', 'oauth2', '--token-endpoint', echoUrl, '--client-id', 'a', '--client-auth', 'body', '--verbose'],
				{ env: { TOKENKEEPER_CLIENT_SECRET: 'e' } },
			);
			expect(result.code).toBe(1);
			expect(result.stderr).toContain('ERR_OAUTH');
			// The echo (`bad secret e`) is redacted, the words around it and in the stack are whole.
			expect(result.stderr).toContain('invalid_client: bad secret [redacted])');
			expect(result.stderr).toMatch(/\n\s+at processErrorResponse /);
			expect(result.stderr).not.toMatch(/\w\[redacted\]|\[redacted\]\w/);
		});
	});
});

describe('errors name the next step', () => {
	const squidexEnv = () => ({ TOKENKEEPER_CLIENT_SECRET: squidexSecret() });

	it('a --url with a wrong path: the error names the URL the request was posted to', async () => {
		const { clientId } = emulator.credentials.squidex;
		const result = await runCli(['token', 'squidex', '--url', `${emulator.url}/api`, '--client-id', clientId], { env: squidexEnv() });
		console.log(`token squidex --url …/api: exit ${result.code}, "${result.stderr.trim()}"`);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_TOKEN_RESPONSE: The token endpoint answered 401 .*\n$/);
		expect(result.stderr).toContain(`(request: POST ${emulator.url}/api/identity-server/connect/token)`);
	});

	it('a discovered token endpoint is named too, as the request went to it', async () => {
		const { issuer, clientId } = emulator.credentials.oauth2;
		const result = await runCli(['token', 'oauth2', '--issuer', issuer, '--client-id', clientId], {
			env: { TOKENKEEPER_CLIENT_SECRET: 'not-the-secret' },
		});
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_OAUTH: .*invalid_client/);
		expect(result.stderr).toContain(`(request: POST ${emulator.url}/oauth2/v1/token)`);
	});

	it("invalid_client names the command's --client-auth, never the library's clientAuth; token dotkernel, which has no such flag, names neither", async () => {
		const squidex = await runCli([...squidexArgs(), '--no-cache'], { env: { TOKENKEEPER_CLIENT_SECRET: 'not-the-secret' } });
		const { issuer, clientId } = emulator.credentials.oauth2;
		const oauth2 = await runCli(['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, '--no-cache'], {
			env: { TOKENKEEPER_CLIENT_SECRET: 'not-the-secret' },
		});
		console.log(`token squidex, a wrong secret: "${squidex.stderr.trim()}"`);
		for (const result of [squidex, oauth2]) {
			expect(result.code).toBe(1);
			expect(result.stderr).toContain('Check the client id and client secret, and --client-auth.');
			expect(result.stderr).not.toContain('clientAuth');
		}
		const dotkernel = await runCli([...dotkernelArgs(), '--no-cache'], {
			env: { TOKENKEEPER_CLIENT_SECRET: 'not-the-secret', TOKENKEEPER_PASSWORD: emulator.credentials.dotkernel.password },
		});
		expect(dotkernel.code).toBe(1);
		expect(dotkernel.stderr).toContain('Check the client id and client secret. (request: POST');
		expect(dotkernel.stderr).not.toMatch(/clientAuth|--client-auth/);
	});

	it('token squidex takes --client-auth: basic works against the emulator; anything but basic or body is a usage error', async () => {
		const result = await runCli([...squidexArgs(), '--client-auth', 'basic', '--no-cache'], { env: squidexEnv() });
		expect(result).toMatchObject({ code: 0, stderr: '' });
		expect(await squidexApiStatus(result.stdout.trim())).toBe(200);
		expect((await runCli([...squidexArgs(), '--client-auth', 'header'], { env: squidexEnv() })).code).toBe(2);
	});

	it('https against a server that answers http: exit 3, "the server did not answer TLS", and the URL', async () => {
		const { clientId } = emulator.credentials.squidex;
		const https = emulator.url.replace(/^http:/, 'https:');
		const result = await runCli(['token', 'squidex', '--url', https, '--client-id', clientId, '--retries', '0'], { env: squidexEnv() });
		console.log(`token squidex --url https://… against http: exit ${result.code}, "${result.stderr.trim()}"`);
		expect(result.code).toBe(3);
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_NETWORK: .*could not be reached.*\n$/);
		expect(result.stderr).toContain('The server did not answer TLS: is the URL http, not https?');
		expect(result.stderr).toContain(`(request: POST ${https}/identity-server/connect/token)`);
	});

	it('http against a server that speaks only TLS: exit 3, with the hint that the URL may need https', async () => {
		// A real TLS server: it refuses a plain HTTP request by closing the connection, without a byte of answer.
		const tls = createTlsServer({}, (socket) => socket.end());
		tls.on('tlsClientError', () => undefined);
		await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
		try {
			const url = `http://127.0.0.1:${(tls.address() as AddressInfo).port}`;
			const result = await runCli(['token', 'squidex', '--url', url, '--client-id', 'a:b', '--retries', '0'], { env: squidexEnv() });
			console.log(`token squidex --url http://… against TLS: exit ${result.code}, "${result.stderr.trim()}"`);
			expect(result.code).toBe(3);
			expect(result.stderr).toContain(
				'The server closed the connection without an answer: if it speaks only TLS, the URL needs https, not http.',
			);
		} finally {
			await new Promise((resolve) => tls.close(resolve));
		}
	});

	it('a server that is not there gets no TLS hint: only "could not be reached"', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise((resolve) => closed.close(resolve));
		const result = await runCli(['token', 'squidex', '--url', `https://127.0.0.1:${port}`, '--client-id', 'a:b', '--retries', '0'], {
			env: squidexEnv(),
		});
		expect(result.code).toBe(3);
		expect(result.stderr).not.toMatch(/TLS/);
	});
});
