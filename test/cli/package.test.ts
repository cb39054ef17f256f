import { accessSync, constants, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CLI } from '../_helpers/cli.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
	bin: Record<string, string>;
	dependencies: Record<string, string>;
};

describe('the tokenkeeper bin', () => {
	it('package.json bin `tokenkeeper` is dist/cli.js, an executable ESM file with a shebang', () => {
		expect(manifest.bin.tokenkeeper).toBe('./dist/cli.js');
		const source = readFileSync(CLI, 'utf8');
		expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
		expect(() => accessSync(CLI, constants.X_OK)).not.toThrow();
	});

	it('imports only Node built-ins and runtime dependencies: it works after `npm install -g`, without msw', () => {
		const source = readFileSync(CLI, 'utf8');
		const specifiers = [...source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
		expect(specifiers.length).toBeGreaterThan(0);
		const allowed = (specifier: string) =>
			specifier.startsWith('node:') ||
			builtinModules.includes(specifier) ||
			Object.keys(manifest.dependencies).some((name) => specifier === name || specifier.startsWith(`${name}/`));
		expect(specifiers.filter((specifier) => !allowed(specifier))).toEqual([]);
		expect(source).not.toMatch(/['"](msw|vitest)['"/]/);
		expect(source).not.toMatch(/\bimport\(/);
	});
});
