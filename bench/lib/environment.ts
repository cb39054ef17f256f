import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** One line naming what the figures were measured on: Node, CPU, platform and the load right now. */
export function describeMachine(): string {
	const cpus = os.cpus();
	const load = os.loadavg()[0] ?? 0;
	return (
		`Node ${process.version} | ${cpus[0]?.model?.trim() ?? 'unknown CPU'} x${cpus.length} | ${os.platform()}-${os.arch()} | ` +
		`load average ${load.toFixed(2)}${load > cpus.length / 2 ? ' (busy: latencies will be noisy)' : ''}`
	);
}

/** `redis-server --version`, shortened to `Redis 7.0.15`. */
export function redisVersion(binary: string): string {
	try {
		const text = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 });
		return `Redis ${/v=(\S+)/.exec(text)?.[1] ?? text.trim()}`;
	} catch {
		return 'Redis (version unknown)';
	}
}
