import type { Readable } from 'node:stream';
import { hasExited, spawnGroup, stopGroup } from './process-group.js';

/** Debian's virtual X server (package `xvfb`): WebKitGTK's MiniBrowser needs a display, even for tests. */
export const XVFB = '/usr/bin/Xvfb';

/** A running Xvfb. */
export interface VirtualDisplay {
	/** For `DISPLAY`: `:N`. */
	readonly display: string;
	stop(): Promise<void>;
}

/**
 * Start Xvfb on a free display number, bounded by `timeout` ms. `-displayfd` lets Xvfb pick the first free number
 * itself and tell it on a pipe, so two test files starting one each at the same moment never collide.
 */
export async function startXvfb(timeout = 10_000): Promise<VirtualDisplay> {
	const child = spawnGroup(XVFB, ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
		stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => {
		stderr = (stderr + chunk.toString()).slice(-2_000);
	});
	const pipe = child.stdio[3] as Readable;
	try {
		const display = await new Promise<string>((resolve, reject) => {
			let text = '';
			const timer = setTimeout(() => reject(new Error(`Xvfb did not report a display within ${timeout} ms`)), timeout);
			pipe.on('data', (chunk: Buffer) => {
				text += chunk.toString();
				if (text.includes('\n')) {
					clearTimeout(timer);
					resolve(`:${text.trim()}`);
				}
			});
			const failed = (why: string) => {
				clearTimeout(timer);
				reject(new Error(`Xvfb ${why}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
			};
			child.once('error', (error) => failed(`could not start (${error.message})`));
			child.once('exit', (code, signal) => failed(`exited (${signal ?? code}) before it had a display`));
		});
		// The pipe and stderr were only for start-up: they must not keep the test worker alive.
		pipe.destroy();
		return {
			display,
			stop: () => stopGroup(child),
		};
	} catch (error) {
		if (!hasExited(child)) await stopGroup(child);
		throw error;
	}
}
