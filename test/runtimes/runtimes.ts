import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flavor } from './bundle.js';
import { firstLineOf, type ProcessResult, spawnBounded } from './processes.js';
import type { StepReport } from './protocol.js';
import { compatibilityDateOf, runInWorkerd } from './workerd.js';

/**
 * Where the runtimes come from: test/runtimes/toolchain, a package of its own whose devDependencies are the npm
 * registry's node@22, node@24, deno, bun and workerd (each ships its binary in a registry package). Not the root
 * package's devDependencies: the node packages link a `node` into node_modules/.bin, and every npm script of the
 * package would then run on that Node instead of the installed one. `npm run test:runtimes` installs it first.
 */
export const TOOLCHAIN = fileURLToPath(new URL('toolchain/', import.meta.url));
const modules = join(TOOLCHAIN, 'node_modules');

/** What one run of the scenario gave: the step reports, how the process ended, and any failure to get them. */
export interface ScenarioRun {
	readonly reports: readonly StepReport[];
	readonly process: ProcessResult;
	readonly failure?: string;
}

export interface Runtime {
	/** `Node 22`, `Deno`…: stable, for test names. */
	readonly name: string;
	readonly binary: string;
	/** The exact version the binary reports (workerd's is its release date); undefined when it cannot run. */
	readonly version: string | undefined;
	readonly flavor: Flavor;
	run(scenarioFile: string, controlUrl: string, timeout: number): Promise<ScenarioRun>;
}

/** The reports a program printed, one JSON object per line; anything else on stdout is not the protocol's. */
function reportsFrom(stdout: string): StepReport[] {
	return stdout
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.flatMap((line) => {
			try {
				return [JSON.parse(line) as StepReport];
			} catch {
				return [];
			}
		});
}

/** `22.23.3` out of `v22.23.3`, `deno 2.9.6 (stable, …)` or `workerd 2026-11-17`. */
function versionOf(binary: string, args: string[]): string | undefined {
	const line = existsSync(binary) ? firstLineOf(binary, args) : undefined;
	return line === undefined ? undefined : (/\d{4}-\d{2}-\d{2}|\d+\.\d+\.\d+/.exec(line)?.[0] ?? line);
}

/** A runtime that runs the scenario as a program: `binary ...args file controlUrl`, to its end. */
function program(name: string, binary: string, versionArgs: string[], flavor: Flavor, args: (file: string) => string[]): Runtime {
	return {
		name,
		binary,
		version: versionOf(binary, versionArgs),
		flavor,
		async run(file, controlUrl, timeout) {
			const result = await spawnBounded(binary, [...args(file), controlUrl], { timeout, cwd: TOOLCHAIN }).ended;
			return { reports: reportsFrom(result.stdout), process: result };
		},
	};
}

function workerd(): Runtime {
	const binary = join(modules, '.bin', 'workerd');
	const version = versionOf(binary, ['--version']);
	return {
		name: 'workerd',
		binary,
		version,
		flavor: 'workerd',
		run: (file, controlUrl, timeout) => runInWorkerd(binary, file, compatibilityDateOf(version ?? ''), controlUrl, timeout),
	};
}

/** The matrix. The runner's own Node (20 in CI) runs the same program as the others. */
export const RUNTIMES: readonly Runtime[] = [
	program(`Node ${process.versions.node.split('.')[0]}`, process.execPath, ['--version'], 'node', (file) => [file]),
	program('Node 22', join(modules, 'node22', 'bin', 'node'), ['--version'], 'node', (file) => [file]),
	program('Node 24', join(modules, 'node24', 'bin', 'node'), ['--version'], 'node', (file) => [file]),
	// Net access to loopback only: the emulator and the control server; nothing else is granted.
	program('Deno', join(modules, '.bin', 'deno'), ['--version'], 'deno', (file) => ['run', '--allow-net=127.0.0.1', '--no-config', file]),
	program('Bun', join(modules, '.bin', 'bun'), ['--version'], 'node', (file) => ['run', file]),
	workerd(),
];
