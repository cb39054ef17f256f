import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Every group started here and not yet seen to exit: killed when this process exits, however it exits. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	try {
		// The negative pid names the whole group: the browser a driver started goes with it.
		if (child.pid) process.kill(-child.pid, signal);
	} catch {
		// ESRCH: the group is gone already.
	}
}

/**
 * Spawn `command` as the leader of a new process group, so that {@link stopGroup} ends it and everything it starts
 * (a WebDriver server's browser and the browser's own processes). A group still running when this Node process exits
 * (a test run that failed or was interrupted before its `afterAll`) is killed then.
 */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
	const child = spawn(command, args, { ...options, detached: true });
	running.add(child);
	child.once('exit', () => running.delete(child));
	// Without an error listener, a missing executable would crash the test worker instead of failing the launch.
	child.once('error', () => running.delete(child));
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		const killAll = () => {
			for (const leftover of running) signalGroup(leftover, 'SIGKILL');
		};
		process.once('exit', killAll);
		// A group of its own does not get the terminal's Ctrl-C, and a signal ends Node without 'exit': kill the groups,
		// then let the signal do what it would have done (unless someone else, such as puppeteer, handles it).
		for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
			process.once(signal, () => {
				killAll();
				if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
			});
		}
	}
	return child;
}

/** Whether `child` has exited (or never started). */
export function hasExited(child: ChildProcess): boolean {
	return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

/**
 * End `child`'s process group: SIGTERM (Xvfb then removes its lock file and socket), SIGKILL after `graceMs`, and a
 * last SIGKILL to the group in any case, for members that outlived their leader. Resolves within about `graceMs` + 1 s.
 */
export async function stopGroup(child: ChildProcess, graceMs = 2_000): Promise<void> {
	const exited = new Promise<void>((resolve) => {
		if (hasExited(child)) resolve();
		else child.once('exit', () => resolve());
	});
	const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(resolve, ms, false))]);
	if (!hasExited(child)) {
		signalGroup(child, 'SIGTERM');
		if (!(await within(graceMs))) {
			signalGroup(child, 'SIGKILL');
			await within(1_000);
		}
	}
	signalGroup(child, 'SIGKILL');
	running.delete(child);
}

/** The live processes of `child`'s group other than `child` itself (Linux: read from /proc; zombies do not count). */
function othersInGroup(child: ChildProcess): number {
	let count = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === child.pid) continue;
		try {
			// After "pid (comm)": state, ppid, pgrp. comm may hold spaces and parentheses: split after the last ")".
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(group) === child.pid && state !== 'Z') count += 1;
		} catch {
			// The process ended while we looked.
		}
	}
	return count;
}

/**
 * Wait, at most `ms`, until `child` is alone in its group: after a WebDriver session ends, its browser and the
 * browser's processes are still exiting, and a driver stopped before it reaped them would leave them to init.
 */
export async function groupSettled(child: ChildProcess, ms = 3_000): Promise<void> {
	const deadline = performance.now() + ms;
	while (!hasExited(child) && othersInGroup(child) > 0 && performance.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
