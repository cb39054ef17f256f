/**
 * `npm run bench:store-reads`: Redis on the hot path. A Dotkernel session kept in a real redis-server through
 * `RedisTokenStore({ url })`; after the first token, `getToken()` on the fresh token, counted in Redis commands
 * (`INFO commandstats` before and after, on a connection of our own, our INFO left out) and timed in µs per call,
 * against the same manager on the default memory store, in alternating rounds. A reference row times
 * `store.get()` per call, which is what every `getToken()` cost before the manager's near cache.
 * Exits 1 only when the measurement is invalid (a token request or a failed call during the rounds).
 *
 *   npm run bench:store-reads
 *   npm run bench:store-reads -- --calls 10000 --rounds 7
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createTokenManager, dotkernel } from 'tokenkeeper';
import { RedisTokenStore } from 'tokenkeeper/redis';
import { createEmulator } from 'tokenkeeper/testing';
import { describeMachine, redisVersion } from './lib/environment.js';
import { startWatchdog } from './lib/lifecycle.js';
import { median } from './lib/measure.js';
import { commandsBetween, createRedisServer, findRedisServer, type RedisServer } from './lib/redis-server.js';
import { count, printTable } from './lib/table.js';

const WATCHDOG_MS = 120_000;
/** The figures before the near cache: every getToken() was one Redis GET. */
const BEFORE = { commands: 10_000, ratio: 124, redisMicroseconds: 180, memoryMicroseconds: 1.45 };

const { values: args } = parseArgs({
	options: {
		calls: { type: 'string', default: '10000' },
		rounds: { type: 'string', default: '7' },
	},
});
const calls = Number(args.calls);
const rounds = Number(args.rounds);
if (!Number.isInteger(calls) || calls < 1) throw new TypeError(`--calls must be a positive integer, got ${args.calls}`);
if (!Number.isInteger(rounds) || rounds < 1) throw new TypeError(`--rounds must be a positive integer, got ${args.rounds}`);

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

/** One round: `calls` sequential awaited calls; µs per call and the Redis commands they caused. */
async function round(redis: RedisServer, call: () => Promise<unknown>): Promise<{ microseconds: number; commands: number }> {
	const before = await redis.commandCalls();
	const begin = performance.now();
	for (let index = 0; index < calls; index += 1) await call();
	const microseconds = ((performance.now() - begin) * 1_000) / calls;
	const added = commandsBetween(before, await redis.commandCalls());
	return { microseconds, commands: [...added.values()].reduce((sum, each) => sum + each, 0) };
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

	const variants: Array<{ name: string; call: () => Promise<unknown> }> = [
		{ name: 'memory', call: () => inMemory.getToken() },
		{ name: 'redis', call: () => viaRedis.getToken() },
		{ name: 'store.get', call: () => store.get(viaRedis.key) },
	];
	const results = new Map(variants.map((variant) => [variant.name, [] as Array<{ microseconds: number; commands: number }>]));
	// One unmeasured round each first, so the JIT has compiled every path before we time it.
	for (const variant of variants) await round(redis, variant.call);
	// Alternating, so drift and other load on this shared machine hit every variant alike.
	for (let index = 0; index < rounds; index += 1) {
		for (const variant of variants) results.get(variant.name)!.push(await round(redis, variant.call));
	}
	const tokenRequests = emulator.counters().tokenRequests.total - tokenRequestsBefore;
	if (tokenRequests !== 0) fail(`${tokenRequests} token request(s) during the rounds: the token must stay fresh`);

	const perRound = (name: string) => results.get(name)!;
	const medianOf = (name: string, field: 'microseconds' | 'commands') => median(perRound(name).map((each) => each[field]));
	// Each round's ratio against the memory round just before it: the median of ratios, not a ratio of medians.
	const ratioToMemory = (name: string) =>
		median(perRound(name).map((each, index) => each.microseconds / perRound('memory')[index]!.microseconds));
	const commandsPer10k = (name: string) => (medianOf(name, 'commands') * 10_000) / calls;
	console.log(`\n  ${count(calls)} awaited getToken() calls on a fresh token, ${rounds} alternating rounds (medians):`);
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
	console.log(`  Redis commands per round through the manager: ${redisCommands.join(', ')}`);
} finally {
	await store.close();
	await emulator.close();
	await redis.stop();
}
disarm();
process.exitCode = invalid ? 1 : 0;
