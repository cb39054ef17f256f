import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eraseDiagnosticsProbes } from '../../tsup.config.js';

const src = fileURLToPath(new URL('../../src', import.meta.url));
const PROBES = "import { publishApiRetry, traceStore, noteLockAcquired, traceLockWait } from './diagnostics/probes.js';\n";

describe('the browser build erases the diagnostics probes (tsup.config.ts)', () => {
	it('a probe statement goes; a probe around `() => expression` becomes the expression; nested ones too; the import goes', () => {
		const source = `${PROBES}async function f(store, key, options, fn, response, url) {
	publishApiRetry(response, url);
	const value = await traceStore(store, 'read', () => store.get(key));
	return traceLockWait(store, options, () =>
		store.withLock(key, () => {
			noteLockAcquired(options);
			return fn(value);
		}),
	);
}`;
		const erased = eraseDiagnosticsProbes(source, 'example.ts');
		expect(erased).not.toMatch(/probes|publishApiRetry|traceStore|noteLockAcquired|traceLockWait/);
		expect(erased.replace(/\s+/g, ' ').trim()).toBe(
			'async function f(store, key, options, fn, response, url) { const value = await (store.get(key)); return (store.withLock(key, () => { return fn(value); })); }',
		);
	});

	it('any other use of a probe fails the build, naming the file and line', () => {
		const cases = [
			`${PROBES}const f = traceStore;`,
			`${PROBES}const value = traceStore(store, 'read', (x) => store.get(x));`,
			`${PROBES}const value = traceStore(store, 'read', () => { return store.get(key); });`,
		];
		for (const source of cases) expect(() => eraseDiagnosticsProbes(source, 'bad.ts')).toThrow(/bad\.ts:\d+: diagnostics probe/);
	});

	it('every source file that imports the probes comes out of the eraser without them', () => {
		const files = (readdirSync(src, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
		const probed = files.filter((file) => readFileSync(join(src, file), 'utf8').includes('diagnostics/probes.js'));
		// manager.ts, session-store.ts, endpoint/request-token.ts, client/send-with-token.ts
		expect(probed.length).toBeGreaterThanOrEqual(4);
		for (const file of probed) {
			const erased = eraseDiagnosticsProbes(readFileSync(join(src, file), 'utf8'), file);
			expect(erased, file).not.toMatch(
				/probes\.js|\b(trace(Flight|TokenRequest|LockWait|Store)|note(TokenAttempt|LockAcquired)|tracePeek|publish(ApiRetry|NearCacheHit|RefreshAhead))\(/,
			);
		}
	});
});
