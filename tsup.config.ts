import path from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

const entry = {
	index: 'src/index.ts',
	pkce: 'src/pkce.ts',
	testing: 'src/testing/index.ts',
	redis: 'src/redis.ts',
	file: 'src/file.ts',
};

/** Resolve `stores/memory.js` to `stores/memory.browser.ts` in the browser build. */
const browserMemoryStore: Plugin = {
	name: 'tokenkeeper-browser-memory-store',
	setup(build) {
		build.onResolve({ filter: /\/memory\.js$/ }, (args) =>
			args.importer.includes(`${path.sep}stores${path.sep}`) || args.importer.endsWith(`${path.sep}index.ts`)
				? { path: path.join(args.resolveDir, args.path.replace(/memory\.js$/, 'memory.browser.ts')) }
				: undefined,
		);
	},
};

const shared: Options = {
	entry,
	target: 'node20',
	dts: true,
	sourcemap: true,
	clean: false,
	treeshake: true,
	splitting: false,
	// Optional peer dependencies: loaded from the user's node_modules, never bundled.
	external: ['msw', 'redis'],
};

export default defineConfig([
	// ESM: dependencies stay external, so the user's bundler can share them.
	{ ...shared, format: 'esm', clean: true },
	// CJS: ky and p-retry are ESM-only; bundle them so require('tokenkeeper') works on Node 20.
	{ ...shared, format: 'cjs', noExternal: ['ky', 'p-retry', 'is-network-error'] },
	// Browser: the "browser" export condition. The memory store module is swapped for its Map-based twin,
	// so lru-cache is not even imported by browser bundles.
	{
		entry: { 'index.browser': 'src/index.ts' },
		format: 'esm',
		platform: 'browser',
		target: 'es2022',
		dts: false,
		sourcemap: true,
		treeshake: true,
		splitting: false,
		esbuildPlugins: [browserMemoryStore],
	},
	// The `tokenkeeper` command: ESM with its shebang kept (tsup also makes it executable), no types. It
	// imports the emulator's server, not `testing/index.ts`, so it runs with msw absent.
	{
		entry: { cli: 'src/cli/index.ts' },
		format: 'esm',
		platform: 'node',
		target: 'node20',
		dts: false,
		sourcemap: true,
		treeshake: true,
		splitting: false,
	},
]);
