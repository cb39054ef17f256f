import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Run a snippet in a fresh Node process that resolves `tokenkeeper` through package.json's exports. */
function runNode(args: string[], code: string): string {
	return execFileSync(process.execPath, [...args, code], { cwd: root, encoding: 'utf8', timeout: 30_000 }).trim();
}

const expectedNames = ['createTokenManager', 'createClient', 'authFetch', 'squidex', 'oauth2', 'isTokenkeeperError'];

describe('the built package', () => {
	it('imports as ESM', () => {
		const out = runNode(
			['--input-type=module', '-e'],
			`
			const tk = await import('tokenkeeper');
			const pkce = await import('tokenkeeper/pkce');
			const testing = await import('tokenkeeper/testing');
			const file = await import('tokenkeeper/file');
			console.log(JSON.stringify({ names: ${JSON.stringify(expectedNames)}.filter((n) => typeof tk[n] === 'function'),
				pkce: typeof pkce.computeCodeChallenge, emulator: typeof testing.createEmulator,
				file: [typeof file.FileTokenStore, typeof file.defaultSessionDir] }));`,
		);
		expect(JSON.parse(out)).toEqual({ names: expectedNames, pkce: 'function', emulator: 'function', file: ['function', 'function'] });
	});

	it('requires as CJS on Node 20 (ky and p-retry are bundled into the CJS build)', () => {
		const out = runNode(
			['-e'],
			`
			const tk = require('tokenkeeper');
			const pkce = require('tokenkeeper/pkce');
			const testing = require('tokenkeeper/testing');
			const file = require('tokenkeeper/file');
			console.log(JSON.stringify({ names: ${JSON.stringify(expectedNames)}.filter((n) => typeof tk[n] === 'function'),
				pkce: typeof pkce.generateState, emulator: typeof testing.createEmulator,
				file: [typeof file.FileTokenStore, typeof file.defaultSessionDir] }));`,
		);
		expect(JSON.parse(out)).toEqual({ names: expectedNames, pkce: 'function', emulator: 'function', file: ['function', 'function'] });
	});

	it('tokenkeeper/otel loads in ESM and CJS, and no other entry needs @opentelemetry/api (an optional peer)', () => {
		const out = runNode(
			['--input-type=module', '-e'],
			`
			import { createRequire } from 'node:module';
			import { readFileSync } from 'node:fs';
			const esm = await import('tokenkeeper/otel');
			const cjs = createRequire(import.meta.url)('tokenkeeper/otel');
			const others = ['index.js', 'index.cjs', 'index.browser.js', 'pkce.js', 'redis.js', 'file.js', 'testing.js', 'cli.js']
				.filter((name) => readFileSync('dist/' + name, 'utf8').includes('@opentelemetry'));
			const stop = esm.instrument();
			stop();
			console.log(JSON.stringify([typeof esm.instrument, typeof cjs.instrument, cjs.DiagnosticsChannel.TokenRequest, others]));`,
		);
		expect(JSON.parse(out)).toEqual(['function', 'function', 'tokenkeeper:token-request', []]);
	});

	it("an ESM error and a CJS error are both recognised by either copy's guard", () => {
		const out = runNode(
			['--input-type=module', '-e'],
			`
			import { createRequire } from 'node:module';
			const esm = await import('tokenkeeper');
			const cjs = createRequire(import.meta.url)('tokenkeeper');
			const error = new cjs.LoginRequiredError('x');
			console.log(JSON.stringify([esm.isTokenkeeperError(error), esm.isLoginRequiredError(error), error instanceof esm.TokenkeeperError]));`,
		);
		expect(JSON.parse(out)).toEqual([true, true, false]);
	});

	it('a configuration error (InvalidOptionError, a TypeError) from the CJS copy is recognised by the ESM guard, and the reverse', () => {
		const out = runNode(
			['--input-type=module', '-e'],
			`
			import { createRequire } from 'node:module';
			const esm = await import('tokenkeeper');
			const cjs = createRequire(import.meta.url)('tokenkeeper');
			const thrown = (make) => { try { make(); } catch (error) { return error; } };
			const fromCjs = thrown(() => cjs.createTokenManager({}));
			const fromEsm = thrown(() => esm.squidex({ clientId: 'a:b', clientSecret: 42 }));
			console.log(JSON.stringify([
				[esm.isTokenkeeperError(fromCjs), fromCjs instanceof TypeError, fromCjs.code, fromCjs.option],
				[cjs.isTokenkeeperError(fromEsm), fromEsm instanceof TypeError, fromEsm.code, fromEsm.option],
			]));`,
		);
		expect(JSON.parse(out)).toEqual([
			[true, true, 'ERR_INVALID_OPTION', 'provider'],
			[true, true, 'ERR_INVALID_OPTION', 'clientSecret'],
		]);
	});

	it("tokenkeeper/file's StoreError (its own copy of the class) is recognised by the main entry's guard, in ESM and CJS", () => {
		const out = runNode(
			['--input-type=module', '-e'],
			`
			import { createRequire } from 'node:module';
			import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
			import { join } from 'node:path';
			import { tmpdir } from 'node:os';
			const tk = await import('tokenkeeper');
			const results = [];
			for (const { FileTokenStore } of [await import('tokenkeeper/file'), createRequire(import.meta.url)('tokenkeeper/file')]) {
				const dir = mkdtempSync(join(tmpdir(), 'tokenkeeper-entry-'));
				const store = new FileTokenStore({ dir });
				await store.set('k', tk.createTokenSet({ accessToken: 'x' }));
				writeFileSync((await store.list())[0].file, 'not json', { mode: 0o600 });
				const error = await store.get('k').catch((reason) => reason);
				results.push([tk.isStoreError(error), error.code]);
				rmSync(dir, { recursive: true });
			}
			console.log(JSON.stringify(results));`,
		);
		expect(JSON.parse(out)).toEqual([
			[true, 'ERR_STORE'],
			[true, 'ERR_STORE'],
		]);
	});
});
