import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from '../_helpers/tls-certificates.js';

/**
 * The packed package installed without its optional peers (`redis`, `@opentelemetry/api`, `msw`, `undici`), as an app that
 * never installed them has it: Node's own module resolution fails, nothing is mocked. Each subpath that needs a
 * missing peer must say so where it is needed, with the command that installs it (ERR_MISSING_PACKAGE), in ESM and
 * in CJS; none may carry on without it.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const PEERS = ['redis', '@opentelemetry/api', 'msw', 'undici'];
/** A Redis password, which must show nowhere. */
const PASSWORD = 'tk-RedisPass-5vJ8qW2n';
let project = '';

function run(command: string, args: string[], cwd = project): string {
	return execFileSync(command, args, { cwd, encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Run `body` (the text of `async function main(load)`, where `load(name)` imports a module) in a fresh Node process
 * of the scratch project, as ESM (`import()`) and as CJS (`require()`); each prints one JSON line.
 */
function inBoth(body: string): Array<{ format: string; result: unknown }> {
	const main = `async function main(load) {\n${body}\n}`;
	const print = '.then((result) => console.log(JSON.stringify(result)), (error) => { console.error(error); process.exit(1); });';
	writeFileSync(join(project, 'check.mjs'), `${main}\nmain((name) => import(name))${print}`);
	writeFileSync(join(project, 'check.cjs'), `${main}\nmain(async (name) => require(name))${print}`);
	return ['mjs', 'cjs'].map((format) => ({ format, result: JSON.parse(run(process.execPath, [`check.${format}`])) }));
}

/** What a script reports of an error: enough to check it, and every rendering, to look for the password. */
const REPORT = `
const report = (error, guard) => ({
	guard: guard(error), name: error.name, code: error.code, packageName: error.packageName, message: error.message,
	renderings: [error.message, String(error.stack), JSON.stringify(error), String(error.cause?.message)].join('\\n'),
});`;

beforeAll(() => {
	project = mkdtempSync(join(tmpdir(), 'tokenkeeper-no-peers-'));
	const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], root)) as Array<{ filename: string }>;
	writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
	run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(project, packed[0]!.filename)]);
}, 240_000);

afterAll(() => {
	if (project) rmSync(project, { recursive: true, force: true });
	rmSync(certificates.dir, { recursive: true, force: true });
});

/** A client certificate for tlsClientAuth(), which reads it when made. */
const certificates = makeCertificates('backend-1');

describe('the packed package without its optional peers', () => {
	it('the peers are really absent: Node cannot resolve them from the project', () => {
		const found = JSON.parse(
			run(process.execPath, [
				'-e',
				`console.log(JSON.stringify(${JSON.stringify(PEERS)}.filter((name) => { try { require.resolve(name); return true; } catch { return false; } })))`,
			]),
		);
		expect(found).toEqual([]);
	});

	it('RedisTokenStore({ url }) without redis: every getToken() fails with ERR_MISSING_PACKAGE saying `npm install redis`; no token is handed out (no bypass)', () => {
		const runs = inBoth(`${REPORT}
	const { createTokenManager, squidex, isTokenkeeperError } = await load('tokenkeeper');
	const { RedisTokenStore } = await load('tokenkeeper/redis');
	let tokenRequests = 0;
	const fetch = async () => {
		tokenRequests += 1;
		return Response.json({ access_token: 'tk-access', token_type: 'Bearer', expires_in: 3600 });
	};
	const store = new RedisTokenStore({ url: 'redis://:${PASSWORD}@127.0.0.1:1' });
	const tokens = createTokenManager(squidex({ url: 'http://127.0.0.1:1', clientId: 'a:b', clientSecret: 's' }), { store, fetch });
	const calls = [];
	for (let call = 0; call < 3; call += 1) {
		calls.push(await tokens.getToken().then(() => 'a token', (error) => report(error, isTokenkeeperError)));
	}
	return { calls, tokenRequests };`);
		for (const { format, result } of runs) {
			const { calls, tokenRequests } = result as { calls: Array<Record<string, unknown>>; tokenRequests: number };
			expect({ format, tokenRequests }).toEqual({ format, tokenRequests: 0 });
			expect(calls).toHaveLength(3);
			for (const call of calls) {
				expect(call).toMatchObject({ guard: true, name: 'MissingPackageError', code: 'ERR_MISSING_PACKAGE', packageName: 'redis' });
				expect(call.message).toMatch(
					/RedisTokenStore\(\{ url \}\) \(Redis at 127\.0\.0\.1:1\) needs the optional package `redis`, which is not installed: npm install redis/,
				);
				expect(call.renderings).not.toContain(PASSWORD);
			}
		}
	});

	it('tlsClientAuth() without undici: it is made, and the first token request fails with ERR_MISSING_PACKAGE saying `npm install undici`', () => {
		const { cert, key } = certificates.client;
		const runs = inBoth(`${REPORT}
	const { createTokenManager, oauth2, tlsClientAuth, isTokenkeeperError } = await load('tokenkeeper');
	const mtls = tlsClientAuth(${JSON.stringify({ cert, key })});
	const provider = oauth2({ clientId: 'backend-1', tokenEndpoint: 'https://127.0.0.1:1/token', clientAuth: mtls });
	return createTokenManager(provider, { fetch: mtls.fetch, retry: 0 }).getToken().then(() => 'a token', (error) => report(error, isTokenkeeperError));`);
		for (const { result } of runs) {
			expect(result).toMatchObject({ guard: true, name: 'MissingPackageError', code: 'ERR_MISSING_PACKAGE', packageName: 'undici' });
			const { message, renderings } = result as { message: string; renderings: string };
			expect(message).toBe('tlsClientAuth() needs the optional package `undici`, which is not installed: npm install undici');
			expect(renderings).not.toContain(key.split('\n')[1]);
		}
	});

	it('tokenkeeper/otel without @opentelemetry/api: it loads, and instrument() throws ERR_MISSING_PACKAGE saying `npm install @opentelemetry/api`', () => {
		const runs = inBoth(`${REPORT}
	const { isTokenkeeperError } = await load('tokenkeeper');
	const otel = await load('tokenkeeper/otel');
	try {
		otel.instrument();
		return 'instrumented';
	} catch (error) {
		return { channel: otel.DiagnosticsChannel.TokenRequest, error: report(error, isTokenkeeperError) };
	}`);
		for (const { result } of runs) {
			expect(result).toMatchObject({
				channel: 'tokenkeeper:token-request',
				error: { guard: true, name: 'MissingPackageError', code: 'ERR_MISSING_PACKAGE', packageName: '@opentelemetry/api' },
			});
			expect((result as { error: { message: string } }).error.message).toBe(
				'instrument() (tokenkeeper/otel) needs the optional package `@opentelemetry/api`, which is not installed: npm install @opentelemetry/api',
			);
		}
	});

	it('tokenkeeper/testing without msw: createEmulator() serves, and providerHandlers() throws ERR_MISSING_PACKAGE saying `npm install --save-dev msw`', () => {
		const runs = inBoth(`${REPORT}
	const { isTokenkeeperError } = await load('tokenkeeper');
	const { createEmulator, providerHandlers } = await load('tokenkeeper/testing');
	const emulator = await createEmulator({ providers: ['squidex'] });
	const { clientId, clientSecret } = emulator.credentials.squidex;
	const answer = await fetch(emulator.url + '/identity-server/connect/token', {
		method: 'POST',
		body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'squidex-api' }),
		signal: AbortSignal.timeout(5_000),
	});
	await emulator.close();
	try {
		providerHandlers();
		return 'handlers';
	} catch (error) {
		return { emulatorStatus: answer.status, error: report(error, isTokenkeeperError) };
	}`);
		for (const { result } of runs) {
			expect(result).toMatchObject({
				emulatorStatus: 200,
				error: { guard: true, name: 'MissingPackageError', code: 'ERR_MISSING_PACKAGE', packageName: 'msw' },
			});
			expect((result as { error: { message: string } }).error.message).toBe(
				'providerHandlers() (tokenkeeper/testing) needs the optional package `msw`, which is not installed: npm install --save-dev msw',
			);
		}
	});
});
