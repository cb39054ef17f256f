/**
 * `npm run bench:shared-session`: 4 worker processes share one Dotkernel session in a real redis-server (same key),
 * each with its own manager and 20 concurrent callers calling the emulator's protected API through `createClient` in
 * a loop. The token endpoint answers after 300 ms and tokens live 3 s, so the session is refreshed every second or
 * two: the run shows what callers pay for it with refresh-ahead on (`refreshAhead: 30 000`, opted in) and off (the
 * default for a session with a refresh token, since a Dotkernel refresh ends the access token it replaces), in the
 * same run, each on a session of its own. A call waited on a token request when it spent more than `--waited` ms
 * (150) before its request left (measured around the API's fetch, so a slow API on a saturated machine does not
 * count as waiting); the token endpoint takes 300 ms.
 * Exits 1 only when the measurement is invalid (a phase made no calls, or a worker failed).
 *
 *   npm run bench:shared-session
 *   npm run bench:shared-session -- --duration 30 --processes 4 --callers 20 --latency 300 --expires-in 3 --waited 150
 */
import { parseArgs } from 'node:util';
import { integerOption, numberOption } from './lib/args.js';
import { startBackends } from './lib/backends.js';
import { describeMachine } from './lib/environment.js';
import { startWatchdog } from './lib/lifecycle.js';
import { describeCounts, summarize, type RunSummary } from './lib/run-summary.js';
import type { Backends } from './lib/backends.js';
import { startSessionWorkers } from './lib/session-workers.js';
import { count, ms, printTable } from './lib/table.js';

const { values: args } = parseArgs({
	options: {
		duration: { type: 'string', default: '30' },
		processes: { type: 'string', default: '4' },
		callers: { type: 'string', default: '20' },
		latency: { type: 'string', default: '300' },
		'expires-in': { type: 'string', default: '3' },
		waited: { type: 'string', default: '150' },
	},
});
const durationMs = numberOption('duration', args.duration, 1) * 1_000;
const processes = integerOption('processes', args.processes, 1);
const callers = integerOption('callers', args.callers, 1);
const tokenLatency = numberOption('latency', args.latency, 0);
const expiresIn = numberOption('expires-in', args['expires-in'], 1);
const waitedMs = numberOption('waited', args.waited, 1);

/** What one phase measured: the workers' calls and the emulator's counters for the run (first tokens excluded). */
interface Phase {
	readonly name: string;
	readonly summary: RunSummary;
	readonly firstTokenRequests: number;
	readonly password: number;
	readonly refresh: number;
	readonly reuse: number;
	readonly rejected: number;
}

// Two phases of `duration`, plus start-up and reports; generous, since a busy machine starts workers slowly.
const disarm = startWatchdog(2 * durationMs + 120_000, 'shared-session');
console.log(`tokenkeeper: ${processes} processes sharing a Redis session | ${describeMachine()}`);
const backends = await startBackends({ tokenLatency, expiresIn });
if (!backends) process.exit(0);
console.log(
	`  ${backends.redisDescription}, emulator (Dotkernel) at ${backends.emulator.url}: token endpoint answers after ${tokenLatency} ms, ` +
		`tokens live ${expiresIn} s | ${processes} processes x ${callers} callers, ${durationMs / 1_000} s per phase`,
);

let invalid = false;
const fail = (message: string) => {
	invalid = true;
	console.log(`  INVALID: ${message}`);
};

async function runPhase(name: string, keyPrefix: string, refreshAhead: number | undefined): Promise<Phase> {
	const { emulator } = backends!;
	console.log(`\n  ${name}: starting ${processes} workers…`);
	const workers = await startSessionWorkers(processes, backends!.workerConfig({ connection: 'url', keyPrefix, refreshAhead, callers }));
	try {
		emulator.resetCounters();
		// Every process gets the first token before the clock starts: one of them logs in, the others read it.
		const ready = await Promise.all(workers.map((worker) => worker.ask({ type: 'warm-up' }, 'ready', 60_000)));
		for (const [index, each] of ready.entries()) if (each.error) fail(`worker ${workers[index]!.pid} got no first token: ${each.error}`);
		const firstTokenRequests = emulator.counters().tokenRequests.total;
		emulator.resetCounters();
		const until = Date.now() + durationMs;
		await Promise.all(workers.map((worker) => worker.ask({ type: 'run', until }, 'ran', durationMs + 60_000)));
		const counters = emulator.counters();
		const reports = await Promise.all(workers.map((worker) => worker.ask({ type: 'report' }, 'report', 30_000)));
		const summary = summarize(
			reports.map((each) => each.report),
			waitedMs,
		);
		if (summary.calls === 0) fail(`${name}: no call was made`);
		console.log(`  ${name}: done, ${count(summary.calls)} calls`);
		return {
			name,
			summary,
			firstTokenRequests,
			password: counters.tokenRequests.password,
			refresh: counters.tokenRequests.refresh_token,
			reuse: counters.refreshTokenReuse,
			rejected: counters.apiRequests.rejected,
		};
	} finally {
		await Promise.all(workers.map((worker) => worker.exit()));
	}
}

function printPhases(on: Phase, off: Phase): void {
	const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '-' : 'inf') : (a / b).toFixed(2));
	const row = (label: string, pick: (phase: Phase) => number, format: (value: number) => string = count) => [
		label,
		format(pick(on)),
		format(pick(off)),
		ratio(pick(on), pick(off)),
	];
	console.log(`\n  ${durationMs / 1_000} s per phase, ${processes} processes x ${callers} callers, one session in Redis each phase`);
	printTable(
		['measure', on.name, off.name, 'on / off'],
		[
			row('API calls in total', (phase) => phase.summary.calls),
			row('  failed', (phase) => phase.summary.failed),
			row(`  waited > ${waitedMs} ms for a token before their request left`, (phase) => phase.summary.waited),
			row('  retried after a 403 (their token was revoked)', (phase) => phase.summary.retried),
			row(`  slower than ${waitedMs} ms end to end`, (phase) => phase.summary.slow),
			row('token wait p99', (phase) => phase.summary.waitP99, ms),
			row('token wait max', (phase) => phase.summary.waitMax, ms),
			row('call latency p50', (phase) => phase.summary.p50, ms),
			row('call latency p99', (phase) => phase.summary.p99, ms),
			row('call latency max', (phase) => phase.summary.max, ms),
			row('token requests (password + refresh_token)', (phase) => phase.password + phase.refresh),
			row('  password grants', (phase) => phase.password),
			row('  refreshes', (phase) => phase.refresh),
			row('refresh-token reuse (must be 0)', (phase) => phase.reuse),
			row('API answers 403 (emulator count)', (phase) => phase.rejected),
			row('token requests for the first token (before the clock)', (phase) => phase.firstTokenRequests),
		],
	);
	for (const phase of [on, off]) {
		const failures = phase.summary.failures.map((each) => `${each.code} ${each.count} (median ${ms(each.medianMs)})`).join(', ');
		console.log(
			`  ${phase.name}: manager error events ${describeCounts(phase.summary.errorEvents)}; token events ` +
				`${describeCounts(phase.summary.tokenEvents)}${failures ? `; failed calls: ${failures}` : ''}`,
		);
		if (phase.reuse !== 0) console.log(`  UNEXPECTED: ${phase.name}: ${phase.reuse} refresh-token reuse(s)`);
		if (phase.summary.failed !== 0) console.log(`  UNEXPECTED: ${phase.name}: ${phase.summary.failed} failed call(s)`);
	}
}

async function main(backends: Backends): Promise<void> {
	try {
		const on = await runPhase('refreshAhead: 30 000 (opted in)', 'bench-ahead-on:', 30_000);
		const off = await runPhase('default (off with a refresh token)', 'bench-ahead-off:', undefined);
		printPhases(on, off);
	} finally {
		await backends.close();
	}
}

await main(backends);
disarm();
process.exitCode = invalid ? 1 : 0;
