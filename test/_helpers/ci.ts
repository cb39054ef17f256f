/**
 * Whether the tests run in CI: `CI` set to anything but empty, `false` or `0` (what CI services set, and what
 * `.ci/run` exports). The one definition every suite uses: under CI, a test that needs a browser or a server
 * fails when it cannot start one, instead of skipping.
 */
export const inCI = isCI(process.env.CI);

/** The rule behind {@link inCI}, for a value of `CI`. `.ci/run` applies the same rule. */
export function isCI(value: string | undefined): boolean {
	return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * `available`, or under CI a thrown error that fails the test file (`what` is missing, and how `.ci/run` installs
 * it). Locally a missing tool only skips, with a line saying why.
 */
export function requireInCI(available: boolean, what: string, install: string): boolean {
	if (available) return true;
	if (inCI) throw new Error(`${what} is missing, and this is CI: the tests that need it must run (${install}).`);
	console.warn(`Skipping the tests that need ${what}: it is missing (${install}).`);
	return false;
}
