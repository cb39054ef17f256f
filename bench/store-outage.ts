/**
 * `npm run bench:store-outage`: Redis killed in the middle. The shared-session run (4 processes x 20 callers, one
 * Dotkernel session in Redis, token endpoint 300 ms away, tokens that live 3 s, refresh-ahead on), and 10 s into it
 * redis-server is killed with SIGKILL; 10 s later it is started again, empty (no persistence), on the same port.
 * Prints the calls that succeeded while Redis was down, the code and time to fail of those that did not, how long
 * each process took to recover once Redis was back, the token requests and the refresh-token reuse (must be 0).
 * The store's `commandTimeout` is 1 000 ms here (its default is 5 000), scaled down with the 3 s tokens.
 * Exits 1 only when the measurement is invalid (no call, Redis did not come back, a worker failed).
 *
 *   npm run bench:store-outage
 *   npm run bench:store-outage -- --duration 30 --kill-at 10 --outage 10 --command-timeout 1000
 */
import { parseArgs } from 'node:util';
import { integerOption, numberOption } from './lib/args.js';
import { startBackends, type Backends } from './lib/backends.js';
import { describeMachine } from './lib/environment.js';
import { sleep, startWatchdog } from './lib/lifecycle.js';
import { describeCounts, summarize } from './lib/run-summary.js';
import type { RunReport } from './lib/session-protocol.js';
import { startSessionWorkers } from './lib/session-workers.js';
import { count, ms, printTable } from './lib/table.js';

const { values: args } = parseArgs({
	options: {
		duration: { type: 'string', default: '30' },
		'kill-at': { type: 'string', default: '10' },
		outage: { type: 'string', default: '10' },
		processes: { type: 'string', default: '4' },
		callers: { type: 'string', default: '20' },
		latency: { type: 'string', default: '300' },
		'expires-in': { type: 'string', default: '3' },
		'command-timeout': { type: 'string', default: '1000' },
		waited: { type: 'string', default: '150' },
	},
});
const durationMs = numberOption('duration', args.duration, 1) * 1_000;
const killAtMs = numberOption('kill-at', args['kill-at'], 0) * 1_000;
const outageMs = numberOption('outage', args.outage, 0) * 1_000;
const processes = integerOption('processes', args.processes, 1);
const callers = integerOption('callers', args.callers, 1);
const tokenLatency = numberOption('latency', args.latency, 0);
const expiresIn = numberOption('expires-in', args['expires-in'], 1);
const commandTimeout = numberOption('command-timeout', args['command-timeout'], 1);
const waitedMs = numberOption('waited', args.waited, 1);
if (killAtMs + outageMs >= durationMs) throw new TypeError('--kill-at + --outage must end before --duration');

const disarm = startWatchdog(durationMs + 120_000, 'store-outage');
console.log(`tokenkeeper: Redis killed in the middle of a shared session | ${describeMachine()}`);
const backends = await startBackends({ tokenLatency, expiresIn });
if (!backends) process.exit(0);
console.log(
	`  ${backends.redisDescription}, emulator (Dotkernel) at ${backends.emulator.url}: token endpoint answers after ${tokenLatency} ms, ` +
		`tokens live ${expiresIn} s | ${processes} processes x ${callers} callers for ${durationMs / 1_000} s, refreshAhead default, ` +
		`commandTimeout ${commandTimeout} ms | SIGKILL at +${killAtMs / 1_000} s, restart ${outageMs / 1_000} s later`,
);

let invalid = false;
const fail = (message: string) => {
	invalid = true;
	console.log(`  INVALID: ${message}`);
};
const seconds = (value: number) => `${value >= 0 ? '+' : ''}${(value / 1_000).toFixed(2)} s`;

async function main(backends: Backends): Promise<void> {
	const { emulator, redis } = backends;
	const workers = await startSessionWorkers(
		processes,
		backends.workerConfig({ connection: 'url', keyPrefix: 'bench-outage:', callers, commandTimeout }),
	);
	try {
		const ready = await Promise.all(workers.map((worker) => worker.ask({ type: 'warm-up' }, 'ready', 60_000)));
		for (const [index, each] of ready.entries()) if (each.error) fail(`worker ${workers[index]!.pid} got no first token: ${each.error}`);
		emulator.resetCounters();

		const startedAt = Date.now();
		const running = Promise.all(
			workers.map((worker) => worker.ask({ type: 'run', until: startedAt + durationMs }, 'ran', durationMs + 60_000)),
		);
		await sleep(killAtMs);
		const killedAt = Date.now();
		await redis.kill();
		console.log(`  ${seconds(killedAt - startedAt)}: redis-server killed (SIGKILL)`);
		await sleep(killedAt + outageMs - Date.now());
		const restartAt = Date.now();
		let backAt = Number.NaN;
		try {
			await redis.start();
			backAt = Date.now();
			console.log(
				`  ${seconds(restartAt - startedAt)}: redis-server restarted on port ${redis.port}, answering PING at ${seconds(backAt - startedAt)}`,
			);
		} catch (error) {
			fail(`redis-server did not come back: ${String(error)}`);
		}
		await running;
		const counters = emulator.counters();
		const marks = Number.isNaN(backAt) ? [killedAt] : [killedAt, backAt];
		const reports = (await Promise.all(workers.map((worker) => worker.ask({ type: 'report', marks }, 'report', 30_000)))).map(
			(each) => each.report,
		);
		const summary = summarize(reports, waitedMs);
		if (summary.calls === 0) fail('no call was made');
		printCalls(reports, summary.p50, summary.p99);
		printFailures(summary.failures, killedAt, backAt);
		printProcesses(reports, killedAt, backAt);
		console.log(
			`\n  token requests during the run: ${counters.tokenRequests.password} password grants, ${counters.tokenRequests.refresh_token} refreshes | ` +
				`refresh-token reuse: ${counters.refreshTokenReuse} (must be 0) | API 403 answers: ${counters.apiRequests.rejected}, ` +
				`calls retried after a 403: ${summary.retried}`,
		);
		console.log(
			`  manager events, all processes: error ${describeCounts(summary.errorEvents)}; token ${describeCounts(summary.tokenEvents)}`,
		);
		if (counters.refreshTokenReuse !== 0) console.log(`  UNEXPECTED: ${counters.refreshTokenReuse} refresh-token reuse(s)`);
	} finally {
		await Promise.all(workers.map((worker) => worker.exit()));
	}
}

function printCalls(reports: readonly RunReport[], p50: number, p99: number): void {
	const labels = ['before the kill', 'while Redis was down', 'after Redis was back'];
	const periods = labels.map((label, index) => {
		const ok = reports.reduce((sum, report) => sum + (report.periods[index]?.ok ?? 0), 0);
		const failed = reports.reduce((sum, report) => sum + (report.periods[index]?.failed ?? 0), 0);
		return [label, count(ok + failed), count(ok), count(failed)];
	});
	console.log('\n  API calls, by when they ended (all processes)');
	printTable(['period', 'calls', 'succeeded', 'failed'], periods);
	console.log(`  latency of successful calls over the whole run: p50 ${ms(p50)}, p99 ${ms(p99)}`);
}

function printFailures(failures: ReturnType<typeof summarize>['failures'], killedAt: number, backAt: number): void {
	if (failures.length === 0) {
		console.log('\n  no call failed');
		return;
	}
	console.log('\n  failed calls, by error (`code ?? name`; HTTP errors by status)');
	printTable(
		['error', 'calls', 'time to fail p50', 'max', 'first started', 'last started'],
		failures.map((each) => [
			each.code,
			count(each.count),
			ms(each.medianMs),
			ms(each.maxMs),
			`${seconds(each.firstAt - killedAt)} after the kill`,
			Number.isNaN(backAt) ? '-' : `${seconds(each.lastAt - backAt)} after Redis was back`,
		]),
	);
}

function printProcesses(reports: readonly RunReport[], killedAt: number, backAt: number): void {
	console.log('\n  recovery, per process (times after Redis answered PING again)');
	printTable(
		['process', 'failed calls', 'first ok call started after', 'first ok store operation after', 'first store failure'],
		reports.map((report) => {
			const backOnRedis = report.storeTransitions.find((transition) => transition.ok && transition.at >= backAt);
			const lost = report.storeTransitions.find((transition) => !transition.ok && transition.at >= killedAt);
			return [
				String(report.pid),
				count(report.calls - report.ok),
				report.firstOkStartedAfterLastMark === undefined ? 'none' : ms(report.firstOkStartedAfterLastMark - backAt),
				backOnRedis ? `${ms(backOnRedis.at - backAt)} (${backOnRedis.operation})` : 'never',
				lost ? `${seconds(lost.at - killedAt)} after the kill (${lost.operation})` : 'no failure seen',
			];
		}),
	);
}

try {
	await main(backends);
} finally {
	await backends.close();
}
disarm();
process.exitCode = invalid ? 1 : 0;
