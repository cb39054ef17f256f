import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from './lifecycle.js';
import type { FromWorker, SessionWorkerConfig, ToWorker } from './session-protocol.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The benchmark's side of one session worker (session-worker.ts). */
export interface SessionWorker {
	readonly pid: number;
	/** Send `message` and wait (at most `timeout` ms) for the reply of type `reply`. */
	ask<T extends FromWorker['type']>(message: ToWorker, reply: T, timeout: number): Promise<Extract<FromWorker, { type: T }>>;
	/** Ask it to close its store and exit; SIGKILL after 5 s. */
	exit(): Promise<void>;
}

/**
 * Start `count` worker processes (TypeScript through tsx's loader, in-process: no extra tsx process to clean up),
 * each set up with `config`. They are killed at exit if still running.
 */
export async function startSessionWorkers(count: number, config: SessionWorkerConfig): Promise<SessionWorker[]> {
	const workers = Array.from({ length: count }, () => sessionWorker());
	await Promise.all(workers.map((worker) => worker.ask({ type: 'config', config }, 'configured', 30_000)));
	return workers;
}

function sessionWorker(): SessionWorker {
	const child: ChildProcess = trackChild(
		fork(fileURLToPath(new URL('./session-worker.ts', import.meta.url)), [], {
			cwd: root,
			execArgv: ['--import', 'tsx'],
			// Its own options, not ours: NODE_OPTIONS from the shell could add a profiler or inspector to every worker.
			env: { ...process.env, NODE_OPTIONS: '' },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		}),
	);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	return {
		pid: child.pid!,
		ask(message, reply, timeout) {
			return new Promise((resolve, reject) => {
				if (child.exitCode !== null || child.signalCode !== null) {
					reject(new Error(`session worker ${child.pid} has exited (${child.exitCode ?? child.signalCode})`));
					return;
				}
				const onMessage = (answer: FromWorker) => {
					if (answer.type !== reply) return;
					cleanup();
					resolve(answer as Extract<FromWorker, { type: typeof reply }>);
				};
				const onExit = () => {
					cleanup();
					reject(new Error(`session worker ${child.pid} exited (${child.exitCode ?? child.signalCode}) before its '${reply}'`));
				};
				const timer = setTimeout(() => {
					cleanup();
					reject(new Error(`session worker ${child.pid} sent no '${reply}' within ${timeout} ms`));
				}, timeout);
				const cleanup = () => {
					clearTimeout(timer);
					child.off('message', onMessage);
					child.off('exit', onExit);
				};
				child.on('message', onMessage);
				child.once('exit', onExit);
				child.send(message, (error) => {
					if (!error) return;
					cleanup();
					reject(error);
				});
			});
		},
		async exit() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
			child.send({ type: 'exit' } satisfies ToWorker, () => undefined);
			await exited;
			clearTimeout(timer);
		},
	};
}
