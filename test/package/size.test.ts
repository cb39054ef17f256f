import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Bundle sizes as a user's bundler sees the built package (esbuild, minified, resolving `tokenkeeper` through
 * package.json's exports, the "browser" condition included), gzip level 9.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Bundle {
	readonly gzip: number;
	readonly inputs: readonly string[];
	readonly text: string;
}

async function bundle(code: string, platform: 'browser' | 'node', external: string[] = []): Promise<Bundle> {
	const result = await build({
		stdin: { contents: code, resolveDir: root, loader: 'js' },
		bundle: true,
		minify: true,
		format: 'esm',
		platform,
		write: false,
		metafile: true,
		logLevel: 'silent',
		tsconfigRaw: '{}',
		external,
	});
	const text = result.outputFiles[0]!.text;
	const outputs = (result.metafile as Metafile).outputs;
	return { gzip: gzipSync(text, { level: 9 }).length, inputs: Object.keys(outputs[Object.keys(outputs)[0]!]!.inputs), text };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * Budgets from the packaging issue, and ceilings that hold today's figures so a regression fails CI.
 * The decision: ky, p-retry and zod/mini stay on the browser path (one validator and one retry policy everywhere), and
 * the budgets are met, if at all, by tokenkeeper's own code. They are not met yet. Measured with this same method, as
 * the marginal cost of each dependency in the SPA (createClient | authFetch): zod/mini 4.2 | 4.2 KB, ky 4.3 | 0 KB,
 * p-retry with is-network-error 1.4 | 1.4 KB; tokenkeeper's own code 11.8 KB. Own code would have to lose a further
 * 1.5 KB (SPA) or 2.2 KB (authFetch), while all its messages together weigh 1.2-1.3 KB (with no message at all:
 * 20.3 KB and 15.9 KB). With zod/mini replaced by its predicates alone (z.object's walk done by hand), the SPA would
 * weigh 17.4 KB and the authFetch variant 13.1 KB, both within budget; replacing p-retry alone would not do it
 * (20.5 KB and 16.2 KB).
 * On Node, dependencies load from node_modules rather than being bundled: the Node target applies to what
 * tokenkeeper itself adds; the fully bundled figure is printed and held under a ceiling.
 */
const budgets = {
	pkce: { target: 1024, ceiling: 1024 },
	spa: { target: 20 * 1024, aim: 17.7 * 1024, ceiling: 21.5 * 1024 },
	spaAuthFetch: { target: 15 * 1024, ceiling: 17.2 * 1024 },
	node: { target: 20 * 1024, ceiling: 20 * 1024 },
	nodeBundled: { ceiling: 26 * 1024 },
};
const runtimeDependencies = ['ky', 'p-retry', 'lru-cache', 'zod'];

describe('bundle sizes (min+gz)', () => {
	it(`tokenkeeper/pkce <= ${kb(budgets.pkce.target)}, with no dependency`, async () => {
		const { gzip, inputs } = await bundle(
			"export { generateCodeVerifier, computeCodeChallenge, generateState } from 'tokenkeeper/pkce';",
			'browser',
		);
		console.log(`pkce: ${kb(gzip)} (target ${kb(budgets.pkce.target)})`);
		expect(gzip).toBeLessThanOrEqual(budgets.pkce.ceiling);
		expect(inputs.filter((input) => input.includes('node_modules'))).toEqual([]);
	});

	it('a browser SPA (createAuthorizationCodeFlow, createClient, sqowey): under its ceiling, without lru-cache, Node built-ins, emulator, msw, redis or the file store', async () => {
		const spa = await bundle("export { createAuthorizationCodeFlow, createClient, sqowey } from 'tokenkeeper';", 'browser');
		console.log(`SPA: ${kb(spa.gzip)} (budget ${kb(budgets.spa.target)}, aim ${kb(budgets.spa.aim)}, ceiling ${kb(budgets.spa.ceiling)})`);
		expect(spa.gzip).toBeLessThanOrEqual(budgets.spa.ceiling);
		expect(spa.inputs.some((input) => input.includes('index.browser.js'))).toBe(true);
		for (const banned of ['lru-cache', 'msw', 'redis', 'dist/testing', 'dist/cli', 'dist/file']) {
			expect(spa.inputs.filter((input) => input.includes(banned))).toEqual([]);
		}
		expect(spa.text).not.toMatch(/from\s*["']node:|require\(["']node:/);
		// The diagnostics probes are erased from the browser build (tsup.config.ts): no channel, no lookup of Node modules.
		expect(spa.text).not.toMatch(/diagnostics_channel|getBuiltinModule|tokenkeeper:(token-request|lock-wait|store|api-retry)/);
		// A step the SPA never runs stays out, its top-level zod schema included, although the browser build is one file.
		expect(spa.text).not.toContain('verification_uri');
		// Nor does OpenID discovery's reader: sqowey's endpoints are fixed.
		expect(spa.text).not.toContain('token_endpoint');
	});

	it('the same SPA with authFetch instead of createClient (no ky): under its ceiling', async () => {
		const spa = await bundle("export { createAuthorizationCodeFlow, authFetch, sqowey } from 'tokenkeeper';", 'browser');
		console.log(
			`SPA with authFetch: ${kb(spa.gzip)} (budget ${kb(budgets.spaAuthFetch.target)}, ceiling ${kb(budgets.spaAuthFetch.ceiling)})`,
		);
		expect(spa.gzip).toBeLessThanOrEqual(budgets.spaAuthFetch.ceiling);
		expect(spa.inputs.filter((input) => input.includes('node_modules/ky'))).toEqual([]);
	});

	it(`a Node backend (createClient, squidex, createTokenManager) adds <= ${kb(budgets.node.target)}, without emulator, msw, redis or the file store`, async () => {
		const code = "export { createClient, squidex, createTokenManager } from 'tokenkeeper';";
		const node = await bundle(code, 'node', runtimeDependencies);
		const bundled = await bundle(code, 'node');
		console.log(
			`Node backend: ${kb(node.gzip)} of tokenkeeper (target ${kb(budgets.node.target)}); ${kb(bundled.gzip)} with its dependencies bundled`,
		);
		expect(node.gzip).toBeLessThanOrEqual(budgets.node.ceiling);
		expect(bundled.gzip).toBeLessThanOrEqual(budgets.nodeBundled.ceiling);
		for (const banned of ['msw', 'redis', 'dist/testing', 'dist/cli', 'dist/file']) {
			expect(bundled.inputs.filter((input) => input.includes(banned))).toEqual([]);
		}
	});

	it('Node-only entries ("browser": null) do not resolve in a browser bundle: tokenkeeper/file, tokenkeeper/redis, tokenkeeper/testing', async () => {
		for (const entry of ['tokenkeeper/file', 'tokenkeeper/redis', 'tokenkeeper/testing']) {
			await expect(bundle(`export * from '${entry}';`, 'browser')).rejects.toThrow(/Could not resolve|not exported|browser/i);
		}
	});
});
