import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		// The runtime matrix is a project of its own (vitest.runtimes.config.ts, `npm run test:runtimes`).
		exclude: [...configDefaults.exclude, 'test/runtimes/**'],
		globalSetup: ['test/_setup/build.ts'],
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// Secrets must never reach the console: tests capture it where they assert that.
		restoreMocks: true,
	},
});
