import { execFileSync } from 'node:child_process';

/**
 * Build the package once before the tests: the packaging, CLI and browser tests use what users get (dist/).
 * `TOKENKEEPER_SKIP_BUILD=1` reuses an existing build (CI builds just before the tests).
 */
export default function setup() {
	if (process.env.TOKENKEEPER_SKIP_BUILD === '1') return;
	execFileSync('npx', ['tsup', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
}
