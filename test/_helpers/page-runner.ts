import type { TestApi } from '../stores/conformance.js';

/** How one test of a {@link createPageRunner} ended. */
export interface PageTestResult {
	readonly name: string;
	readonly ok: boolean;
	readonly error?: string | undefined;
}

type Hook = () => unknown;
interface Frame {
	readonly names: readonly string[];
	readonly before: Hook[];
	readonly after: Hook[];
	readonly parent: Frame | undefined;
}

/** Longest a test (hooks included) may take in the page: a hung store fails its test, it never hangs the run. */
const TEST_TIMEOUT = 20_000;

function bounded<T>(work: Promise<T>, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: not settled within ${TEST_TIMEOUT} ms`)), TEST_TIMEOUT);
	});
	return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * A test runner small enough to run inside a browser page: `describe`, `it`, `beforeEach` and `afterEach` with the
 * semantics a suite such as the store conformance suite needs, and the `expect` it is given (vitest's own, from
 * `@vitest/expect`). Node registers the same suite with it to learn the test names without running them.
 */
export function createPageRunner(expect: TestApi['expect']) {
	const tests: { name: string; frame: Frame; fn: () => unknown }[] = [];
	let frame: Frame = { names: [], before: [], after: [], parent: undefined };

	const describe = ((name: string, body: () => void) => {
		const outer = frame;
		frame = { names: [...outer.names, name], before: [], after: [], parent: outer };
		try {
			body();
		} finally {
			frame = outer;
		}
	}) as unknown as TestApi['describe'];
	const it = ((name: string, fn: () => unknown) => {
		tests.push({ name: [...frame.names, name].join(' > '), frame, fn });
	}) as unknown as TestApi['it'];
	const beforeEach = ((hook: Hook) => void frame.before.push(hook)) as unknown as TestApi['beforeEach'];
	const afterEach = ((hook: Hook) => void frame.after.push(hook)) as unknown as TestApi['afterEach'];

	function chain(of: Frame): Frame[] {
		const frames: Frame[] = [];
		for (let current: Frame | undefined = of; current; current = current.parent) frames.unshift(current);
		return frames;
	}

	return {
		api: { describe, it, beforeEach, afterEach, expect } satisfies TestApi,
		/** The full names of the registered tests, `describe > … > test`. */
		names: () => tests.map((test) => test.name),
		/** Run every test in order: outer `beforeEach` first, inner `afterEach` first, as vitest does. */
		async run(): Promise<PageTestResult[]> {
			const results: PageTestResult[] = [];
			for (const test of tests) {
				const frames = chain(test.frame);
				let error: unknown;
				try {
					await bounded(
						(async () => {
							for (const hook of frames.flatMap((f) => f.before)) await hook();
							try {
								await test.fn();
							} finally {
								for (const hook of frames.reverse().flatMap((f) => f.after)) await hook();
							}
						})(),
						test.name,
					);
				} catch (caught) {
					error = caught;
				}
				results.push(
					error === undefined
						? { name: test.name, ok: true }
						: { name: test.name, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
				);
			}
			return results;
		},
	};
}
