/**
 * `npm run bench:store-down-at-start`: a process that starts while Redis is already down. Four fresh worker
 * processes, one per way of holding the node-redis client (the store's own `{ url }` client; a `{ client }` the
 * process made with `createClient` from `redis`, connected without waiting, and keeps) and per `storeFailure`
 * (`bypass`, the default; `fail`), each on its own Dotkernel session. While Redis is down each makes one `getToken()`
 * and one API call (what they return, and how long they take to fail); then redis-server is started and each polls
 * both every 100 ms: how long until they work, and until the process uses Redis again.
 * The store's `commandTimeout` is 1 000 ms here (its default is 5 000), as in store-outage.ts.
 * Exits 1 only when the measurement is invalid (Redis did not start, a worker failed).
 *
 *   npm run bench:store-down-at-start
 *   npm run bench:store-down-at-start -- --command-timeout 1000 --latency 300 --expires-in 3
 */
import { parseArgs } from 'node:util';
import { numberOption } from './lib/args.js';
import { startBackends, type Backends } from './lib/backends.js';
import { describeMachine } from './lib/environment.js';
import { startWatchdog } from './lib/lifecycle.js';
import type { Attempt, SessionWorkerConfig } from './lib/session-protocol.js';
import { startSessionWorkers, type SessionWorker } from './lib/session-workers.js';
import { ms, printTable } from './lib/table.js';

const POLL_EVERY = 100;
const POLL_FOR = 30_000;

const { values: args } = parseArgs({
	options: {
		latency: { type: 'string', default: '300' },
		'expires-in': { type: 'string', default: '3' },
		'command-timeout': { type: 'string', default: '1000' },
	},
});
const tokenLatency = numberOption('latency', args.latency, 0);
const expiresIn = numberOption('expires-in', args['expires-in'], 1);
const commandTimeout = numberOption('command-timeout', args['command-timeout'], 1);

interface Variant {
	readonly name: string;
	readonly connection: SessionWorkerConfig['connection'];
	readonly storeFailure: NonNullable<SessionWorkerConfig['storeFailure']>;
}

const VARIANTS: readonly Variant[] = [
	{ name: '{ url }, storeFailure bypass (default)', connection: 'url', storeFailure: 'bypass' },
	{ name: '{ client }, storeFailure bypass (default)', connection: 'client', storeFailure: 'bypass' },
	{ name: "{ url }, storeFailure 'fail'", connection: 'url', storeFailure: 'fail' },
	{ name: "{ client }, storeFailure 'fail'", connection: 'client', storeFailure: 'fail' },
];

const disarm = startWatchdog(POLL_FOR + 120_000, 'store-down-at-start');
console.log(`tokenkeeper: processes that start while Redis is down | ${describeMachine()}`);
const backends = await startBackends({ tokenLatency, expiresIn, startRedis: false });
if (!backends) process.exit(0);
console.log(
	`  ${backends.redisDescription} (not started yet), emulator (Dotkernel) at ${backends.emulator.url}: token endpoint answers after ` +
		`${tokenLatency} ms, tokens live ${expiresIn} s | commandTimeout ${commandTimeout} ms | one fresh process per row`,
);

let invalid = false;
const fail = (message: string) => {
	invalid = true;
	console.log(`  INVALID: ${message}`);
};
const outcome = (attempt: Attempt) => (attempt.code === undefined ? `ok in ${ms(attempt.ms)}` : `${attempt.code} after ${ms(attempt.ms)}`);
const after = (at: number | undefined, since: number) => (at === undefined ? `not within ${POLL_FOR / 1_000} s` : ms(at - since));

async function main(backends: Backends): Promise<void> {
	const workers: SessionWorker[] = [];
	try {
		for (const [index, variant] of VARIANTS.entries()) {
			const config = backends.workerConfig({
				connection: variant.connection,
				storeFailure: variant.storeFailure,
				keyPrefix: `bench-down-${index}:`,
				commandTimeout,
				callers: 1,
			});
			workers.push(...(await startSessionWorkers(1, config)));
		}
		// All at once: each is its own process and its own session, and the wait is mostly timeouts.
		const probes = await Promise.all(workers.map((worker) => worker.ask({ type: 'probe' }, 'probed', 60_000)));

		await backends.redis.start();
		const since = Date.now();
		const polls = await Promise.all(
			workers.map((worker) => worker.ask({ type: 'poll', since, every: POLL_EVERY, until: since + POLL_FOR }, 'polled', POLL_FOR + 30_000)),
		);

		console.log('\n  while Redis is down (the process has just started), then after redis-server answers PING');
		printTable(
			[
				'client / storeFailure',
				'getToken() while down',
				'API call while down',
				'getToken() works after',
				'API call works after',
				'back on Redis after',
			],
			VARIANTS.map((variant, index) => {
				const { getToken, api } = probes[index]!;
				const { first } = polls[index]!;
				return [
					variant.name,
					outcome(getToken),
					outcome(api),
					after(first.getToken, since),
					after(first.api, since),
					after(first.store, since),
				];
			}),
		);
		console.log(
			'  "works after": the first poll (every 100 ms) that succeeded; "back on Redis": its first store operation that succeeded. ' +
				'A row that works at once had a token from the bypass already.',
		);
		for (const [index, poll] of polls.entries()) {
			if (poll.first.getToken === undefined || poll.first.api === undefined) {
				console.log(`  UNEXPECTED: ${VARIANTS[index]!.name} still failed after ${POLL_FOR / 1_000} s: ${poll.lastCodes.join(', ')}`);
			}
		}
		const counters = backends.emulator.counters();
		console.log(
			`  token requests: ${counters.tokenRequests.password} password grants, ${counters.tokenRequests.refresh_token} refreshes | ` +
				`refresh-token reuse: ${counters.refreshTokenReuse} (must be 0)`,
		);
	} catch (error) {
		fail(String(error));
	} finally {
		await Promise.all(workers.map((worker) => worker.exit()));
	}
}

try {
	await main(backends);
} finally {
	await backends.close();
}
disarm();
process.exitCode = invalid ? 1 : 0;
