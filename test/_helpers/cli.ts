import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';

/** The built command, as `npx tokenkeeper` runs it (the global setup builds dist/ first). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	readonly stdout: string;
	readonly stderr: string;
}

export interface CliOptions {
	/** Added to a minimal environment: nothing of the developer's (no TOKENKEEPER_*, no DISPLAY) leaks in. */
	readonly env?: Record<string, string>;
	/** Written to stdin, which is then closed. */
	readonly input?: string;
	/** Killed (SIGKILL) after this many ms; the test then fails on the result. Default 15 000. */
	readonly timeout?: number;
}

/** A running CLI process, for commands that keep running (emulate, login). */
export interface RunningCli {
	readonly child: ChildProcess;
	stdout(): string;
	stderr(): string;
	/** Resolves with the first match of `pattern` in the stream, or rejects after `timeout` ms. */
	waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
	readonly exited: Promise<CliResult>;
}

/**
 * The sessions directory every CLI run of the calling test file gets, unless it names its own: a fresh one, never
 * the developer's, removed after the file's tests.
 */
let home: string | undefined;
function testHome(): string {
	if (!home) {
		const dir = mkdtempSync(join(tmpdir(), 'tokenkeeper-cli-home-'));
		home = dir;
		afterAll(() => rmSync(dir, { recursive: true, force: true }));
	}
	return home;
}

export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
	const child = spawn(process.execPath, [CLI, ...args], {
		env: { PATH: process.env.PATH ?? '', TOKENKEEPER_HOME: testHome(), ...options.env },
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	const output = { stdout: '', stderr: '' };
	const listeners = new Set<() => void>();
	for (const stream of ['stdout', 'stderr'] as const) {
		child[stream].setEncoding('utf8');
		child[stream].on('data', (chunk: string) => {
			output[stream] += chunk;
			for (const listener of listeners) listener();
		});
	}
	child.stdin.end(options.input);
	const killer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 15_000);
	const exited = new Promise<CliResult>((resolve) => {
		child.once('close', (code, signal) => {
			clearTimeout(killer);
			resolve({ code, signal, ...output });
		});
	});
	return {
		child,
		stdout: () => output.stdout,
		stderr: () => output.stderr,
		waitFor(stream, pattern, timeout = 5_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const match = output[stream].match(pattern);
					if (!match) return false;
					done();
					resolve(match);
					return true;
				};
				const timer = setTimeout(() => {
					done();
					reject(new Error(`No ${pattern} on ${stream} within ${timeout} ms; stdout: ${output.stdout}; stderr: ${output.stderr}`));
				}, timeout);
				const done = () => {
					clearTimeout(timer);
					listeners.delete(listener);
				};
				const listener = () => void check();
				listeners.add(listener);
				check();
			});
		},
		exited,
	};
}

/** Run the CLI to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
	return startCli(args, options).exited;
}

/**
 * Sessions directories and running CLIs for a test file's tests: `newHome()` makes a fresh directory (removed after
 * the file), and each CLI pushed to `running` is killed after its test, after `afterEachTest` (resetting an emulator).
 */
export function useCliSandbox(prefix: string, afterEachTest?: () => void): { newHome(): string; running: RunningCli[] } {
	const homes: string[] = [];
	const running: RunningCli[] = [];
	afterEach(() => {
		afterEachTest?.();
		for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
	});
	afterAll(() => {
		for (const home of homes) rmSync(home, { recursive: true, force: true });
	});
	return {
		newHome() {
			const home = mkdtempSync(join(tmpdir(), prefix));
			homes.push(home);
			return home;
		},
		running,
	};
}
