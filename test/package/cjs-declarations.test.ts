import { describe, expect, it } from 'vitest';
import { toCjsDeclarations } from '../../build/cjs-declarations.js';

const ESM_ONLY = ['ky', 'p-retry', '@scope/esm'];
const derive = (source: string) => toCjsDeclarations(source, 'index.d.ts', ESM_ONLY);

describe('the .d.cts files are derived from the .d.ts files (build/cjs-declarations.ts)', () => {
	it('relative imports and re-exports name the .cjs twins, in declarations and in import() types', () => {
		const source = [
			"import { O as OAuthError } from './errors-X.js';",
			"export { A as AuthorizationResponseError } from './errors-X.js';",
			"export * from './channels-Y.js';",
			"type T = import('./store-Z.js').TokenSet;",
		].join('\n');
		expect(derive(source)).toBe(
			[
				"import { O as OAuthError } from './errors-X.cjs';",
				"export { A as AuthorizationResponseError } from './errors-X.cjs';",
				"export * from './channels-Y.cjs';",
				"type T = import('./store-Z.cjs').TokenSet;",
			].join('\n'),
		);
	});

	it("an ESM-only package's types are imported as types with resolution-mode: import", () => {
		const source = [
			"import { Options, KyInstance } from 'ky';",
			"import type { Options as RetryOptions } from 'p-retry';",
			"import * as Esm from '@scope/esm/sub';",
		].join('\n');
		expect(derive(source)).toBe(
			[
				"import type { Options, KyInstance } from 'ky' with { 'resolution-mode': 'import' };",
				"import type { Options as RetryOptions } from 'p-retry' with { 'resolution-mode': 'import' };",
				"import type * as Esm from '@scope/esm/sub' with { 'resolution-mode': 'import' };",
			].join('\n'),
		);
	});

	it('other packages are left alone: their require condition has CommonJS types (msw, @opentelemetry/api)', () => {
		const source =
			"import { HttpHandler } from 'msw';\nimport { TracerProvider } from '@opentelemetry/api';\nimport { Thing } from 'kyber';";
		expect(derive(source)).toBe(source);
	});

	it('a use of an ESM-only package the rules do not cover fails the build, naming the file and line', () => {
		expect(() => derive("import { a } from './a.js';\nexport { Options } from 'ky';")).toThrow(
			/^index\.d\.ts:2: "ky" \(ESM-only\) used other than by an import declaration/,
		);
		expect(() => derive("type K = import('ky').KyInstance;")).toThrow(/^index\.d\.ts:1: "ky" \(ESM-only\)/);
		expect(() => derive("import { type Options, KyInstance } from 'ky';")).toThrow(/an inline `type` in an import of "ky"/);
		expect(() => derive("import { a } from './a';")).toThrow(/a relative import without \.js/);
	});
});
