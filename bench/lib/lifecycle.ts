import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What a bench script started and must undo however it ends: a normal end, a thrown error, Ctrl-C or its watchdog.
// Undone in a synchronous 'exit' listener, the one place every one of those passes through.
const children = new Set<ChildProcess>();
const directories = new Set<string>();

process.once('exit', () => {
	for (const child of children) child.kill('SIGKILL');
	for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		console.error(`\nbench: ${signal}, stopping`);
		process.exit(130);
	});
}

/** Kill `child` (SIGKILL) when this process exits, unless it has exited by then. */
export function trackChild(child: ChildProcess): ChildProcess {
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

/** A new empty directory under the system's temp dir, removed with everything in it when this process exits. */
export function temporaryDirectory(prefix: string): string {
	const directory = mkdtempSync(join(tmpdir(), `tokenkeeper-bench-${prefix}-`));
	directories.add(directory);
	return directory;
}

/**
 * Exit with code 2 after `ms` whatever is still running, so `npm run bench` never hangs; the 'exit' listener above
 * still kills the children. Returns the function that disarms it.
 */
export function startWatchdog(ms: number, name: string): () => void {
	const timer = setTimeout(() => {
		console.error(`\n${name}: still running after ${Math.round(ms / 1000)} s, giving up (the figures above are incomplete)`);
		process.exit(2);
	}, ms);
	timer.unref();
	return () => clearTimeout(timer);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
