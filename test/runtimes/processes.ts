import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** How a process ended, and what it wrote (each stream capped: enough to explain a failure). */
export interface ProcessResult {
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	/** Killed because it outlived its bound. */
	readonly timedOut: boolean;
	readonly stdout: string;
	readonly stderr: string;
}

const CAP = 200_000;

/** A spawned process with bounded output and a bounded life. */
export interface Spawned {
	readonly child: ChildProcess;
	readonly stdout: () => string;
	readonly stderr: () => string;
	/** Settles when the process has exited and its streams closed: never before, so nothing is left running. */
	readonly ended: Promise<ProcessResult>;
	/** SIGTERM, then SIGKILL after `grace` ms; resolves once it has exited. */
	stop(grace?: number): Promise<ProcessResult>;
}

/**
 * Spawns `command` with a minimal environment (nothing of the developer's leaks in) and kills it (SIGKILL) once it has
 * run `timeout` ms. Extra pipes beyond stdio (`fd3`) are for workerd's control messages.
 */
export function spawnBounded(command: string, args: readonly string[], options: { timeout: number; cwd: string; fd3?: boolean }): Spawned {
	const child = spawn(command, args, {
		cwd: options.cwd,
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
		stdio: ['ignore', 'pipe', 'pipe', ...(options.fd3 ? (['pipe'] as const) : [])],
	});
	const output = { stdout: '', stderr: '' };
	for (const stream of ['stdout', 'stderr'] as const) {
		child[stream]?.setEncoding('utf8');
		child[stream]?.on('data', (chunk: string) => {
			if (output[stream].length < CAP) output[stream] += chunk;
		});
	}
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		child.kill('SIGKILL');
	}, options.timeout);
	// A runner that exits early (a crash, Ctrl-C) takes the runtime with it rather than leaving it running.
	const killOnExit = () => child.kill('SIGKILL');
	process.once('exit', killOnExit);
	const ended = new Promise<ProcessResult>((resolve) => {
		// 'close', not 'exit': the streams are drained too. A spawn error (no such binary) also ends in 'close'.
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			process.off('exit', killOnExit);
			resolve({ code, signal, timedOut, stdout: output.stdout, stderr: output.stderr });
		});
		child.once('error', (error) => {
			output.stderr += `\n${error.message}`;
		});
	});
	const stop = async (grace = 3_000): Promise<ProcessResult> => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
		const killer = setTimeout(() => child.kill('SIGKILL'), grace);
		try {
			return await ended;
		} finally {
			clearTimeout(killer);
		}
	};
	return { child, stdout: () => output.stdout, stderr: () => output.stderr, ended, stop };
}

/** The first line `command args` prints, or undefined when it cannot run (missing, not executable, hanging). */
export function firstLineOf(command: string, args: readonly string[]): string | undefined {
	try {
		const text = execFileSync(command, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] });
		return text.split('\n')[0]?.trim() || undefined;
	} catch {
		return undefined;
	}
}
