import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A Node process running a TypeScript worker (through tsx), spoken to with one JSON object per line. */
export interface WorkerProcess {
	readonly pid: number;
	send(message: unknown): void;
	/** The next JSON line it writes, or a rejection after `timeout` ms or when it exits first. */
	next<T = unknown>(timeout?: number): Promise<T>;
	/** What it wrote to stderr, for a failure message. */
	stderr(): string;
	kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start `script` (a path from the repository root) with `node --import tsx`, and send it `config` first. */
export function startWorker(script: string, config: unknown): WorkerProcess {
	const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', script], {
		cwd: root,
		stdio: ['pipe', 'pipe', 'pipe'],
		env: { ...process.env, NODE_OPTIONS: '' },
	});
	let errors = '';
	child.stderr.on('data', (chunk: Buffer) => {
		// Bounded: enough to explain a failure.
		if (errors.length < 20_000) errors += chunk.toString();
	});
	const queue: unknown[] = [];
	const waiting: Array<(line: unknown) => void> = [];
	createInterface({ input: child.stdout }).on('line', (line) => {
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch {
			return;
		}
		const resolve = waiting.shift();
		if (resolve) resolve(value);
		else queue.push(value);
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

	const worker: WorkerProcess = {
		pid: child.pid!,
		send(message) {
			child.stdin.write(`${JSON.stringify(message)}\n`);
		},
		next<T>(timeout = 30_000) {
			if (queue.length > 0) return Promise.resolve(queue.shift() as T);
			return new Promise<T>((resolve, reject) => {
				const timer = setTimeout(() => {
					waiting.splice(waiting.indexOf(onLine), 1);
					reject(new Error(`worker ${child.pid} wrote nothing within ${timeout} ms; stderr:\n${errors}`));
				}, timeout);
				const onLine = (value: unknown) => {
					clearTimeout(timer);
					resolve(value as T);
				};
				waiting.push(onLine);
				void exited.then(() => {
					if (!waiting.includes(onLine)) return;
					waiting.splice(waiting.indexOf(onLine), 1);
					clearTimeout(timer);
					reject(new Error(`worker ${child.pid} exited (${child.exitCode ?? child.signalCode}); stderr:\n${errors}`));
				});
			});
		},
		stderr: () => errors,
		async kill(signal = 'SIGTERM') {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill(signal);
			await exited;
		},
	};
	worker.send(config);
	return worker;
}
