import { defineConfig } from 'vitest/config';

/**
 * `npm run test:runtimes`: the end-to-end scenario in Node 20, 22, 24, Deno, Bun and workerd (test/runtimes/). Its own
 * project, not part of `npm test`: it needs test/runtimes/toolchain installed (about 700 MB of runtimes).
 */
export default defineConfig({
	test: {
		include: ['test/runtimes/**/*.test.ts'],
		globalSetup: ['test/_setup/build.ts'],
		testTimeout: 20_000,
		hookTimeout: 90_000,
		restoreMocks: true,
	},
});
