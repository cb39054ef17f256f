/**
 * `npm run bench:store-reads`: Redis on the hot path. A Dotkernel session kept in a real redis-server through
 * `RedisTokenStore({ url })`; after the first token, `getToken()` on the fresh token, counted in Redis commands
 * (`INFO commandstats` before and after, on a connection of our own, our INFO left out) and timed in µs per call,
 * against the same manager on the default memory store, in alternating rounds. A reference row times
 * `store.get()` per call, which is what every `getToken()` cost before the manager's near cache.
 * A manager round is `--repeat` (10) batches of `--calls` (10 000): a lone batch takes about 2 ms, short enough for
 * one preemption on a busy machine to swing it; commands are still given per 10 000 calls.
 * Exits 1 only when the measurement is invalid (a token request or a failed call during the rounds).
 *
 *   npm run bench:store-reads
 *   npm run bench:store-reads -- --calls 10000 --repeat 10 --rounds 11
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createTokenManager, dotkernel } from 'tokenkeeper';
import { RedisTokenStore } from 'tokenkeeper/redis';
import { createEmulator } from 'tokenkeeper/testing';
import { integerOption } from './lib/args.js';
import { describeMachine, redisVersion } from './lib/environment.js';
import { startWatchdog } from './lib/lifecycle.js';
import { collectGarbage, median } from './lib/measure.js';
import { commandsBetween, createRedisServer, findRedisServer, type RedisServer } from './lib/redis-server.js';
import { count, printTable } from './lib/table.js';

const WATCHDOG_MS = 120_000;
/** The figures before the near cache: every getToken() was one Redis GET. */
const BEFORE = { commands: 10_000, ratio: 124, redisMicroseconds: 180, memoryMicroseconds: 1.45 };

const { values: args } = parseArgs({
	options: {
		calls: { type: 'string', default: '10000' },
		repeat: { type: 'string', default: '10' },
		rounds: { type: 'string', default: '11' },
	},
});
const calls = integerOption('calls', args.calls, 1);
const repeat = integerOption('repeat', args.repeat, 1);
const rounds = integerOption('rounds', args.rounds, 1);

const disarm = startWatchdog(WATCHDOG_MS, 'store-reads');
console.log(`tokenkeeper: Redis on the hot path | ${describeMachine()}`);
const binary = findRedisServer();
if (!binary) {
	console.log('  SKIPPED: redis-server is not installed (apt-get install redis-server)');
	process.exit(0);
}

let invalid = false;
const fail = (message: string) => {
	invalid = true;
	console.log(`  INVALID: ${message}`);
};

/** One round: `batches` x `calls` sequential awaited calls; µs per call, and the Redis commands per `calls` calls. */
async function round(
	redis: RedisServer,
	call: () => Promise<unknown>,
	batches: number,
): Promise<{ microseconds: number; commands: number }> {
	const before = await redis.commandCalls();
	// No round pays for the garbage of the one before it (always the same other variant).
	collectGarbage();
	const begin = performance.now();
	for (let index = 0; index < calls * batches; index += 1) await call();
	const microseconds = ((performance.now() - begin) * 1_000) / (calls * batches);
	const added = commandsBetween(before, await redis.commandCalls());
	return { microseconds, commands: [...added.values()].reduce((sum, each) => sum + each, 0) / batches };
}

const describeCommands = (commands: ReadonlyMap<string, number>) =>
	[...commands].map(([name, calls]) => `${name.toUpperCase()} ${calls}`).join(', ') || 'none';

const redis = await createRedisServer(binary);
await redis.start();
const emulator = await createEmulator({ providers: ['dotkernel'] });
const store = new RedisTokenStore({ url: redis.url });
try {
	console.log(`  ${redisVersion(binary)} on 127.0.0.1:${redis.port}, emulator (Dotkernel, tokens live 24 h) at ${emulator.url}`);
	const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
	const session = () => dotkernel({ url, clientId, clientSecret, username, credentials: async () => ({ username, password }) });
	const viaRedis = createTokenManager(session(), { store });
	const inMemory = createTokenManager(session());

	// The first token: the one moment a fresh process must talk to Redis (lock, re-read, grant, write, unlock).
	const beforeFirst = await redis.commandCalls();
	await viaRedis.getToken();
	const firstCommands = commandsBetween(beforeFirst, await redis.commandCalls());
	const firstGrants = emulator.counters().tokenRequests.password;
	await inMemory.getToken();
	const tokenRequestsBefore = emulator.counters().tokenRequests.total;
	// commandstats also counts what the lock's Lua scripts run (the GET and DEL of the release script).
	console.log(
		`  first token through Redis: ${firstGrants} password grant; Redis ran ${describeCommands(firstCommands)} (script calls included)`,
	);

	// The reference is 300 times slower: one batch per round keeps its rounds under a second.
	const variants: Array<{ name: string; call: () => Promise<unknown>; batches: number }> = [
		{ name: 'memory', call: () => inMemory.getToken(), batches: repeat },
		{ name: 'redis', call: () => viaRedis.getToken(), batches: repeat },
		{ name: 'store.get', call: () => store.get(viaRedis.key), batches: 1 },
	];
	const results = new Map(variants.map((variant) => [variant.name, [] as Array<{ microseconds: number; commands: number }>]));
	// One unmeasured round each first, so the JIT has compiled every path before we time it.
	for (const variant of variants) await round(redis, variant.call, variant.batches);
	// Alternating, so drift and other load on this shared machine hit every variant alike; the order turns every
	// round, so no variant always runs right after the same other one.
	for (let index = 0; index < rounds; index += 1) {
		for (let offset = 0; offset < variants.length; offset += 1) {
			const variant = variants[(index + offset) % variants.length]!;
			results.get(variant.name)!.push(await round(redis, variant.call, variant.batches));
		}
	}
	const tokenRequests = emulator.counters().tokenRequests.total - tokenRequestsBefore;
	if (tokenRequests !== 0) fail(`${tokenRequests} token request(s) during the rounds: the token must stay fresh`);

	const perRound = (name: string) => results.get(name)!;
	const medianOf = (name: string, field: 'microseconds' | 'commands') => median(perRound(name).map((each) => each[field]));
	// Each round's ratio against the memory store's in the same round: the median of ratios, not a ratio of medians.
	const ratioToMemory = (name: string) =>
		median(perRound(name).map((each, index) => each.microseconds / perRound('memory')[index]!.microseconds));
	const commandsPer10k = (name: string) => (medianOf(name, 'commands') * 10_000) / calls;
	console.log(
		`\n  awaited getToken() calls on a fresh token: ${rounds} alternating rounds of ${count(calls * repeat)} calls ` +
			`(store.get(): ${count(calls)}), medians:`,
	);
	printTable(
		['store', `Redis commands per ${count(10_000)} calls`, 'µs per call', 'ratio to memory'],
		[
			['memory store (the default)', count(commandsPer10k('memory')), medianOf('memory', 'microseconds').toFixed(2), '1.00'],
			[
				'RedisTokenStore({ url })',
				count(commandsPer10k('redis')),
				medianOf('redis', 'microseconds').toFixed(2),
				ratioToMemory('redis').toFixed(2),
			],
			[
				'reference: store.get() per call',
				count(commandsPer10k('store.get')),
				medianOf('store.get', 'microseconds').toFixed(2),
				ratioToMemory('store.get').toFixed(0),
			],
		],
	);
	console.log(
		`  before the near cache (the issue): ${count(BEFORE.commands)} commands per ${count(10_000)} calls, ` +
			`${BEFORE.ratio}x (${BEFORE.redisMicroseconds} µs vs ${BEFORE.memoryMicroseconds} µs per call)`,
	);
	const redisCommands = perRound('redis').map((each) => each.commands);
	console.log(`  Redis commands per ${count(calls)} calls through the manager, each round: ${redisCommands.join(', ')}`);
} finally {
	await store.close();
	await emulator.close();
	await redis.stop();
}
disarm();
process.exitCode = invalid ? 1 : 0;
