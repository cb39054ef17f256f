/**
 * `npm run bench:observability`: what the diagnostics channels cost on the hot path. `getToken()` on a fresh cached
 * token (served from the near cache: no I/O) with nobody subscribed, with a bare subscriber on every tokenkeeper
 * channel, and with `instrument()` from `tokenkeeper/otel` on (the OpenTelemetry SDK's tracer and meter providers,
 * an AsyncLocalStorage context manager; a cached read records one near-cache-hit counter point). One process, one
 * run: each round measures every variant once (in a balanced order), and each figure is the median over the rounds
 * of that variant's rate divided by the no-subscriber rate of the same round. `control` is a second no-subscriber
 * variant: believe a ratio only to about the distance between the control and 1.000.
 *
 *   npm run bench:observability
 *   npm run bench:observability -- --calls 200000 --rounds 24
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createTokenManager, squidex } from 'tokenkeeper';
import { DiagnosticsChannel, instrument } from 'tokenkeeper/otel';
import { integerOption } from './lib/args.js';
import { describeMachine } from './lib/environment.js';
import { startWatchdog } from './lib/lifecycle.js';
import { collectGarbage, median } from './lib/measure.js';
import { printTable } from './lib/table.js';

const { values: args } = parseArgs({
	options: { calls: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '24' } },
});
const CALLS = integerOption('calls', args.calls, 1_000);
const ROUNDS = integerOption('rounds', args.rounds, 4);
// Generous: a round of four variants of 200 000 calls takes well under a second on a quiet machine.
const disarm = startWatchdog(60_000 + (ROUNDS * 4 * CALLS) / 20, 'bench:observability');

// As an instrumented app has it, for every variant alike: only whether tokenkeeper's channels are listened to differs.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const meterProvider = new MeterProvider({
	readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })],
});

const manager = createTokenManager(squidex({ url: 'http://127.0.0.1:9', clientId: 'a:b', clientSecret: 's' }));
await manager.setTokens({ accessToken: 'fixed', expiresIn: 3600 });

/** Subscribe a listener that does nothing to every tokenkeeper channel; returns the unsubscriber. */
function subscribeBare(): () => void {
	const noop = () => undefined;
	const handlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
	const traced = [DiagnosticsChannel.TokenRequest, DiagnosticsChannel.LockWait, DiagnosticsChannel.Store];
	const plain = [DiagnosticsChannel.ApiRetry, DiagnosticsChannel.NearCacheHit, DiagnosticsChannel.RefreshAhead];
	for (const name of traced) diagnostics.tracingChannel(name).subscribe(handlers);
	for (const name of plain) diagnostics.subscribe(name, noop);
	return () => {
		for (const name of traced) diagnostics.tracingChannel(name).unsubscribe(handlers);
		for (const name of plain) diagnostics.unsubscribe(name, noop);
	};
}

interface Variant {
	readonly name: string;
	/** Set the variant up; returns what undoes it. */
	readonly setUp: () => () => void;
}
const none = (): (() => void) => () => undefined;
const variants: readonly Variant[] = [
	{ name: 'no subscriber', setUp: none },
	{ name: 'control (no subscriber again)', setUp: none },
	{ name: 'a bare subscriber', setUp: subscribeBare },
	{ name: 'instrument()', setUp: () => instrument({ tracerProvider, meterProvider }) },
];

/** Calls per second of wall time and per second of this process's CPU time. */
interface Rates {
	readonly wall: number;
	readonly cpu: number;
}

/**
 * `CALLS` awaited `getToken()` calls, timed. First a tenth as many untimed (switching variants changes which code is
 * hot, and the first calls after a switch would pay for the previous variant), then a collection, so that no variant
 * inherits another's garbage. CPU time is the steadier figure on a busy machine: waiting for a core is not counted.
 */
async function rate(): Promise<Rates> {
	for (let i = 0; i < CALLS / 10; i++) await manager.getToken();
	collectGarbage();
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	for (let i = 0; i < CALLS; i++) await manager.getToken();
	const wallSeconds = (performance.now() - started) / 1000;
	const cpu = process.cpuUsage(cpuBefore);
	return { wall: CALLS / wallSeconds, cpu: CALLS / ((cpu.user + cpu.system) / 1e6) };
}

async function measure(variant: Variant): Promise<Rates> {
	const tearDown = variant.setUp();
	try {
		return await rate();
	} finally {
		tearDown();
	}
}

/**
 * The order of the variants in each round: a Williams square, so that over four rounds every variant runs in every
 * position once and right after every other variant once. A plain rotation would always run "no subscriber" right after
 * "instrument()", and any cost of switching (code made cold, garbage) would land on the baseline.
 */
const BALANCED_ORDERS = [
	[0, 1, 3, 2],
	[1, 2, 0, 3],
	[2, 3, 1, 0],
	[3, 0, 2, 1],
] as const;

// Warm-up: every variant's path compiled before anything counts.
for (const variant of variants) await measure(variant);
const wallRatios = new Map(variants.map((variant) => [variant.name, [] as number[]]));
const cpuRatios = new Map(variants.map((variant) => [variant.name, [] as number[]]));
const wallRates = new Map(variants.map((variant) => [variant.name, [] as number[]]));
for (let round = 0; round < ROUNDS; round++) {
	const measured = new Map<string, Rates>();
	for (const index of BALANCED_ORDERS[round % BALANCED_ORDERS.length]!) {
		const variant = variants[index]!;
		measured.set(variant.name, await measure(variant));
	}
	const baseline = measured.get('no subscriber')!;
	for (const [name, value] of measured) {
		wallRatios.get(name)!.push(value.wall / baseline.wall);
		cpuRatios.get(name)!.push(value.cpu / baseline.cpu);
		wallRates.get(name)!.push(value.wall);
	}
}
disarm();

// The instrumented variant really records: a near-cache hit per cached read, seen by the exporter.
const stopCheck = instrument({ tracerProvider, meterProvider });
for (let i = 0; i < 10; i++) await manager.getToken();
await meterProvider.forceFlush();
stopCheck();
const hits = JSON.stringify(metricExporter.getMetrics()).includes('tokenkeeper.near_cache.hits');
if (!hits) {
	console.error('bench:observability: instrument() recorded no near-cache hit: the measurement is invalid');
	process.exit(1);
}
console.log(describeMachine());
console.log(`getToken() on a cached token, ${ROUNDS} rounds of ${CALLS.toLocaleString('en')} calls per variant, balanced order\n`);
const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}..${Math.max(...values).toFixed(2)}`;
printTable(
	['variant', 'median calls/s', 'ratio, wall time (min..max)', 'ratio, CPU time (min..max)'],
	variants.map(({ name }) => {
		const wall = wallRatios.get(name)!;
		const cpu = cpuRatios.get(name)!;
		return [
			name,
			Math.round(median(wallRates.get(name)!)).toLocaleString('en'),
			`${median(wall).toFixed(3)} (${spread(wall)})`,
			`${median(cpu).toFixed(3)} (${spread(cpu)})`,
		];
	}),
);
console.log('\nratio: the variant against the no-subscriber run of the same round, median over the rounds; 1.000 = no cost');
await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
