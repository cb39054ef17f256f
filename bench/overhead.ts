/**
 * `npm run bench:overhead` (the first of `npm run bench`): what tokenkeeper costs on the hot path, and how it behaves
 * in token storms.
 * A measurement, not a test: it exits 0 whatever the ratios are, and 1 only when the measurement itself is
 * invalid (a token request during the hot-path rounds, a wrong Authorization header, a failed call).
 *
 *   npm run bench:overhead
 *   npm run bench:overhead -- --requests 1000 --concurrency 32 --rounds 16 --warmup 3 --storm 2000
 *   npm run bench:overhead -- --control        # also ky vs ky: the noise floor of this machine, to read the ratios against
 *   npm run bench:overhead -- --skip-fetch --skip-storms
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ky from 'ky';
import { authFetch, createClient, createTokenManager, squidex, type TokenManager } from 'tokenkeeper';
import { startLoopback, type Loopback } from './lib/loopback.js';
import { compare, type Pair, type RoundsOptions, type Variant } from './lib/measure.js';
import { runStorms, type StormResult } from './lib/storms.js';

const TARGET = 0.97;
const TOKEN = 'fixed';
const WATCHDOG_MS = 120_000;

const { values: args } = parseArgs({
	options: {
		// Short rounds, many of them: on a small shared machine, bursts of other load spoil single rounds, and the
		// median of many adjacent pairs shrugs them off better than the median of a few long ones.
		requests: { type: 'string', default: '1000' },
		concurrency: { type: 'string', default: '32' },
		rounds: { type: 'string', default: '16' },
		warmup: { type: 'string', default: '3' },
		storm: { type: 'string', default: '2000' },
		control: { type: 'boolean', default: false },
		'skip-fetch': { type: 'boolean', default: false },
		'skip-storms': { type: 'boolean', default: false },
	},
});
const integer = (name: string, value: string | undefined, min: number): number => {
	const number = Number(value);
	if (!Number.isInteger(number) || number < min) throw new TypeError(`--${name} must be an integer >= ${min}, got ${value}`);
	return number;
};
const options: RoundsOptions = {
	requests: integer('requests', args.requests, 1),
	concurrency: integer('concurrency', args.concurrency, 1),
	rounds: integer('rounds', args.rounds, 1),
	warmup: integer('warmup', args.warmup, 0),
	// Per comparison, warm-up included: keeps the whole run bounded (about 45 s) on a slow or busy machine.
	budgetMs: 18_000,
};
const stormCalls = integer('storm', args.storm, 1);

// Bounded whatever happens: a hung request or server must not hang `npm run bench`.
const watchdog = setTimeout(() => {
	console.error(`\nbench: still running after ${WATCHDOG_MS / 1000} s, giving up`);
	process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();

const started = performance.now();
let invalid = false;
const fail = (message: string) => {
	invalid = true;
	console.log(`    INVALID: ${message}`);
};
const fixed = (value: number) => value.toFixed(3);
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
const verdict = (ratio: number) => (ratio >= TARGET ? 'PASS' : 'BELOW TARGET');

const cpus = os.cpus();
const load = os.loadavg()[0] ?? 0;
console.log(
	`tokenkeeper hot-path benchmark | Node ${process.version} | ${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length} | ` +
		`${os.platform()}-${os.arch()} | load average ${load.toFixed(2)}`,
);
if (load > cpus.length / 2) {
	console.log(
		`  note: the machine is busy (load ${load.toFixed(2)} on ${cpus.length} CPUs); wall-clock ratios will be noisy, the CPU-time ratio less so; ` +
			'`npm run bench:overhead -- --control` shows the noise floor',
	);
}

/** A manager that already holds a fresh token, and counts every token request and new token it would make. */
async function managerWithFixedToken(url: string): Promise<{ manager: TokenManager; tokenRequests: () => number }> {
	let tokenRequests = 0;
	const manager = createTokenManager(squidex({ url, clientId: 'a:b', clientSecret: 's' }), {
		fetch: (input, init) => {
			tokenRequests += 1;
			return globalThis.fetch(input, init);
		},
	});
	let newTokens = 0;
	manager.on('token', ({ source }) => {
		if (source !== 'set') newTokens += 1;
	});
	await manager.setTokens({ accessToken: TOKEN, expiresIn: 3600 });
	return { manager, tokenRequests: () => tokenRequests + newTokens };
}

const printPair = (index: number, pair: Pair) =>
	console.log(
		`    round ${String(index + 1).padStart(2)}: ratio ${fixed(pair.ratio)}   cpu ratio ${fixed(pair.cpuRatio)}   ` +
			`(${rate(pair.baseline.rate)} vs ${rate(pair.candidate.rate)})`,
	);

/** Alternating rounds of `baseline` and `candidate`, the checks that make them valid, and a summary line. */
async function hotPath(
	server: Loopback,
	title: string,
	baseline: Variant,
	candidate: Variant,
	tokenRequests: () => number,
	control = false,
): Promise<string> {
	// A control has no target: its ratio only shows how far apart two identical variants land here.
	const judge = (ratio: number) => (control ? 'control, no target' : `${verdict(ratio)} (target >= ${TARGET})`);
	console.log(`\n${title}`);
	const before = await server.stats();
	const result = await compare(baseline, candidate, options, printPair);
	const after = await server.stats();
	const label = `${candidate.name} / ${baseline.name}`;
	console.log(
		`  ${label}: median ratio ${fixed(result.medianRatio)} (min ${fixed(result.minRatio)}, max ${fixed(result.maxRatio)}, ` +
			`${result.pairs.length} pairs${result.truncated ? ', cut short by the time budget' : ''}) -> ${judge(result.medianRatio)}`,
	);
	console.log(
		`    median CPU-time ratio ${fixed(result.medianCpuRatio)} (requests per CPU-second of this process; ` +
			`less sensitive to other load) -> ${judge(result.medianCpuRatio)}`,
	);
	console.log(
		`    secondary: median ${baseline.name} ${rate(result.medianBaselineRate)}, ${candidate.name} ${rate(result.medianCandidateRate)}`,
	);
	// Warm-up pairs, the measured candidate rounds, and one baseline round more than candidate rounds.
	const sent = options.requests * (2 * (options.warmup + result.pairs.length) + 1);
	const seen = after.requests - before.requests;
	const wrong = after.wrongAuthorization - before.wrongAuthorization;
	const elsewhere = after.otherPaths - before.otherPaths;
	console.log(
		`    checks: ${tokenRequests()} token requests, server saw ${seen}/${sent} requests, ${wrong} without \`Bearer ${TOKEN}\`, ${elsewhere} to other paths`,
	);
	if (tokenRequests() !== 0) fail(`${tokenRequests()} token request(s): the manager must serve its cached token`);
	if (seen !== sent) fail('the server did not see exactly one request per call');
	if (wrong !== 0) fail(`some requests did not carry \`Bearer ${TOKEN}\``);
	if (elsewhere !== 0) fail('some requests went elsewhere than /x');
	const outcome = control ? 'noise floor' : verdict(result.medianRatio);
	return `${label.padEnd(20)} median ratio ${fixed(result.medianRatio)} ${outcome.padEnd(12)} (CPU-time ratio ${fixed(result.medianCpuRatio)})`;
}

const summary: string[] = [];
const server = await startLoopback(`Bearer ${TOKEN}`);
console.log(
	`loopback server ${server.url} (child process) | ${options.requests} requests/round, ${options.concurrency} in flight, ` +
		`${options.warmup} warm-up + ${options.rounds} measured rounds per variant, alternating a b a … b a`,
);
try {
	// 0. Optional control: the same variant twice. Its spread is what this machine's noise alone produces.
	if (args.control) {
		const prefixUrl = `${server.url}/`;
		const first = ky.create({ prefixUrl, headers: { authorization: `Bearer ${TOKEN}` } });
		const second = ky.create({ prefixUrl, headers: { authorization: `Bearer ${TOKEN}` } });
		summary.push(
			await hotPath(
				server,
				'0. control: bare ky vs an identical bare ky (the noise floor; ideally 1.000)',
				{ name: 'ky', call: () => first.get('x').json() },
				{ name: 'ky (again)', call: () => second.get('x').json() },
				() => 0,
				true,
			),
		);
	}

	// 1. createClient vs bare ky: the same ky, plus tokenkeeper's fetch wrapper, hook and cached-token lookup.
	{
		const { manager, tokenRequests } = await managerWithFixedToken(server.url);
		const prefixUrl = `${server.url}/`;
		const bare = ky.create({ prefixUrl, headers: { authorization: `Bearer ${TOKEN}` } });
		const client = createClient({ prefixUrl, auth: manager });
		summary.push(
			await hotPath(
				server,
				'1. hot path: createClient({ prefixUrl, auth: manager holding a fresh token }) vs bare ky with a fixed header',
				{ name: 'ky', call: () => bare.get('x').json() },
				{ name: 'createClient', call: () => client.get('x').json() },
				tokenRequests,
			),
		);
	}

	// 1b. authFetch vs raw fetch with a fixed header.
	if (!args['skip-fetch']) {
		const { manager, tokenRequests } = await managerWithFixedToken(server.url);
		const url = `${server.url}/x`;
		const headers = { authorization: `Bearer ${TOKEN}` };
		const authorized = authFetch({ auth: manager, allowedOrigins: [server.url] });
		const json = (response: Response) => {
			if (!response.ok) throw new Error(`HTTP ${response.status}`);
			return response.json();
		};
		summary.push(
			await hotPath(
				server,
				'1b. hot path: authFetch({ auth: manager holding a fresh token, allowedOrigins }) vs fetch with a fixed header',
				{ name: 'fetch', call: () => globalThis.fetch(url, { headers }).then(json) },
				{ name: 'authFetch', call: () => authorized(url).then(json) },
				tokenRequests,
			),
		);
	}
} finally {
	await server.close();
}

// 2. Storms against the real emulator.
if (!args['skip-storms']) {
	console.log(`\n2. storms: ${stormCalls} concurrent api.get('apps/food-crunch/schemas').json() against createEmulator()`);
	const { cold, revoked } = await runStorms(stormCalls, 30_000);
	const describe = (label: string, storm: StormResult, expectedRejected: number) => {
		console.log(
			`  ${label.padEnd(22)} token requests ${storm.tokenRequests} (expected 1) | rejected ${storm.rejected} (expected ${expectedRejected}), ` +
				`retried ${storm.retried} | ${storm.succeeded}/${storm.calls} ok | settled in ${Math.round(storm.settleMs)} ms`,
		);
		for (const [message, count] of storm.failures) console.log(`    ${count} x ${message}`);
		if (storm.failed > 0) fail(`${storm.failed} call(s) failed`);
	};
	describe('cold cache:', cold, 0);
	describe('after revokeAllTokens:', revoked, revoked.calls);
	const ok = (condition: boolean) => (condition ? 'OK' : 'UNEXPECTED');
	summary.push(
		`storm, cold cache    ${cold.tokenRequests} token request for ${cold.calls} calls, ${cold.rejected} rejected  ${ok(cold.tokenRequests === 1 && cold.rejected === 0)}`,
		`storm, after revoke  ${revoked.tokenRequests} token request for ${revoked.calls} calls, ${revoked.rejected} rejected, ${revoked.retried} retried  ` +
			ok(revoked.tokenRequests === 1 && revoked.retried === revoked.rejected && revoked.failed === 0),
	);
}

console.log('\nsummary');
for (const line of summary) console.log(`  ${line}`);
console.log(`  total ${((performance.now() - started) / 1000).toFixed(1)} s${invalid ? ' | MEASUREMENT INVALID (see above)' : ''}`);
clearTimeout(watchdog);
process.exitCode = invalid ? 1 : 0;
