import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const OIDC = join(import.meta.dirname, '../../src/oidc');

/** Every module specifier a file names: static imports and re-exports, `import()` and `require()`. */
function specifiers(source: string): string[] {
	const patterns = [
		/\bfrom\s+['"]([^'"]+)['"]/g,
		/\bimport\s*\(\s*['"]([^'"]+)['"]/g,
		/\brequire\s*\(\s*['"]([^'"]+)['"]/g,
		/^\s*import\s+['"]([^'"]+)['"]/gm,
	];
	return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

const files = readdirSync(OIDC, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
const imports = files.map((file) => ({ file, specifiers: specifiers(readFileSync(join(OIDC, file), 'utf8')) }));

describe('src/oidc/ is a small chunk of its own (Web Crypto, no JOSE library)', () => {
	it('src/oidc/ imports nothing from jose', () => {
		expect(files.length).toBeGreaterThanOrEqual(6);
		for (const { file, specifiers } of imports) {
			expect(
				specifiers.filter((specifier) => specifier === 'jose' || specifier.startsWith('jose/')),
				file,
			).toEqual([]);
		}
	});

	it("the ID token checker imports only zod/mini and a few small modules of its own package (the session's glue aside)", () => {
		const allowed = new Set([
			'zod/mini',
			'../errors.js',
			'../base64url.js',
			'../abortable.js',
			'../wire-fields.js',
			'../jws-algorithms.js',
		]);
		// The glue between a session and the checker: the check a flow installs (main bundle), the loader, the chunk's entry.
		const glue = new Set(['id-token-check.ts', 'load.ts', 'openid.ts']);
		for (const { file, specifiers } of imports.filter(({ file }) => !glue.has(file))) {
			expect(
				specifiers.filter((specifier) => !specifier.startsWith('./') && !allowed.has(specifier)),
				file,
			).toEqual([]);
		}
	});

	it('each file holds one concept in under 250 lines', () => {
		for (const file of files) expect(readFileSync(join(OIDC, file), 'utf8').split('\n').length, file).toBeLessThan(250);
	});
});
