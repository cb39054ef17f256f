import { defineConfig, type Options } from 'tsup';

const entry = {
	index: 'src/index.ts',
	pkce: 'src/pkce.ts',
	testing: 'src/testing/index.ts',
};

const shared: Options = {
	entry,
	target: 'node20',
	dts: true,
	sourcemap: true,
	clean: false,
	treeshake: true,
	splitting: false,
	external: ['msw'],
};

export default defineConfig([
	// ESM: dependencies stay external, so the user's bundler can share them.
	{ ...shared, format: 'esm', clean: true },
	// CJS: ky and p-retry are ESM-only; bundle them so require('tokenkeeper') works on Node 20.
	{ ...shared, format: 'cjs', noExternal: ['ky', 'p-retry', 'is-network-error'] },
	// Browser: the "browser" export condition. A compile-time flag swaps the default store for a plain Map,
	// so lru-cache never reaches a browser bundle.
	{
		entry: { 'index.browser': 'src/index.ts' },
		format: 'esm',
		platform: 'browser',
		target: 'es2022',
		dts: false,
		sourcemap: true,
		treeshake: true,
		splitting: false,
		define: { __TOKENKEEPER_BROWSER__: 'true' },
	},
]);
