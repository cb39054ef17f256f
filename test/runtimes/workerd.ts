import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type ProcessResult, spawnBounded } from './processes.js';
import type { StepReport } from './protocol.js';

/**
 * A workerd config for the bundled Worker: one HTTP socket on 127.0.0.1 (its port chosen by the OS, reported on the
 * control fd), and outbound fetches allowed to loopback addresses only ("local"), where the emulator and the control
 * server listen; the default outbound reaches public addresses alone. No `nodejs_compat`: the Worker needs none.
 */
function config(workerFile: string, compatibilityDate: string): string {
	return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "scenario", worker = .scenario),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "scenario")],
);

const scenario :Workerd.Worker = (
  modules = [(name = "scenario.mjs", esModule = embed "${basename(workerFile)}")],
  compatibilityDate = "${compatibilityDate}",
  globalOutbound = "loopback",
);
`;
}

/**
 * workerd's version is its release date, the newest compatibility date it supports: the behaviour a Worker created
 * today gets, so an upgrade of workerd that changes a default shows up here.
 */
export function compatibilityDateOf(version: string): string {
	const date = /\d{4}-\d{2}-\d{2}/.exec(version)?.[0];
	if (!date) throw new Error(`cannot read a date from workerd's version "${version}"`);
	return date;
}

/** Resolves with the port of the socket named `name` from workerd's control messages (JSON lines). */
function listenPort(control: Readable, name: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const lines = createInterface({ input: control });
		lines.on('line', (line) => {
			try {
				const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
				if (message.event === 'listen' && message.socket === name && message.port) {
					// Settled before close(), whose 'close' event would otherwise reject first.
					resolve(message.port);
					lines.close();
				}
			} catch {
				// Not a control message: ignore.
			}
		});
		lines.once('close', () => reject(new Error('workerd closed its control channel before listening')));
	});
}

/**
 * Serves the Worker with workerd, asks it to run the scenario (one request, bounded), then stops workerd and waits
 * for it to exit. Resolves with the step reports, or with what went wrong in `failure`.
 */
export async function runInWorkerd(
	binary: string,
	workerFile: string,
	compatibilityDate: string,
	controlUrl: string,
	timeout: number,
): Promise<{ reports: StepReport[]; process: ProcessResult; failure?: string }> {
	const configFile = join(dirname(workerFile), 'workerd.capnp');
	writeFileSync(configFile, config(workerFile, compatibilityDate));
	const workerd = spawnBounded(binary, ['serve', configFile, '--control-fd=3'], { timeout, cwd: dirname(workerFile), fd3: true });
	let reports: StepReport[] = [];
	let failure: string | undefined;
	try {
		const port = await Promise.race([
			listenPort(workerd.child.stdio[3] as Readable, 'http'),
			workerd.ended.then((result) => Promise.reject(new Error(`workerd exited (${result.code ?? result.signal}) before listening`))),
		]);
		const response = await fetch(`http://127.0.0.1:${port}/`, {
			method: 'POST',
			body: JSON.stringify({ controlUrl }),
			signal: AbortSignal.timeout(timeout),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`the Worker answered ${response.status}: ${text.slice(0, 2_000)}`);
		reports = JSON.parse(text) as StepReport[];
	} catch (error) {
		failure = error instanceof Error ? error.message : String(error);
	}
	return { reports, process: await workerd.stop(), ...(failure === undefined ? {} : { failure }) };
}
