import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		globalSetup: ['test/_setup/build.ts'],
		testTimeout: 20_000,
		hookTimeout: 20_000,
		// Secrets must never reach the console: tests capture it where they assert that.
		restoreMocks: true,
	},
});
