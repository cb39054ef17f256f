import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

// A full GC before every round, so no round pays for the garbage of the one before (which would always be
// the other variant). Exposed at run time, so `npm run bench` needs no node flag.
v8.setFlagsFromString('--expose-gc');
/** A full garbage collection, now. */
export const collectGarbage = vm.runInNewContext('gc') as () => void;

/** One request of a variant; resolves when its body has been read. */
export type Call = () => Promise<unknown>;

export interface Variant {
	readonly name: string;
	readonly call: Call;
}

export interface RoundsOptions {
	/** Requests per round. */
	readonly requests: number;
	/** Requests in flight at any time. */
	readonly concurrency: number;
	/** Measured rounds per variant. */
	readonly rounds: number;
	/** Unmeasured rounds per variant, first. */
	readonly warmup: number;
	/** Stop starting new measured rounds this many ms after the warm-up began (a round in progress finishes). */
	readonly budgetMs: number;
}

/** One round of one variant. */
export interface RoundResult {
	/** Requests per wall-clock second. */
	readonly rate: number;
	/** Requests per second of this process's CPU time (user + system, every thread): the client's own cost. */
	readonly cpuRate: number;
}

/** A candidate round and the baseline around it (geometric mean of the baseline rounds just before and after). */
export interface Pair {
	readonly baseline: RoundResult;
	readonly candidate: RoundResult;
	/** candidate.rate / baseline.rate */
	readonly ratio: number;
	/** candidate.cpuRate / baseline.cpuRate */
	readonly cpuRatio: number;
}

export interface Comparison {
	readonly pairs: readonly Pair[];
	readonly medianRatio: number;
	readonly minRatio: number;
	readonly maxRatio: number;
	readonly medianCpuRatio: number;
	readonly medianBaselineRate: number;
	readonly medianCandidateRate: number;
	/** True when the time budget ended the measurement before every round ran. */
	readonly truncated: boolean;
}

/** `requests` calls with at most `concurrency` in flight. Rejects on the first failed call. */
export async function round(call: Call, requests: number, concurrency: number): Promise<RoundResult> {
	let started = 0;
	const worker = async () => {
		while (started < requests) {
			started += 1;
			await call();
		}
	};
	collectGarbage();
	const cpuBefore = process.cpuUsage();
	const begin = performance.now();
	await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
	const seconds = (performance.now() - begin) / 1000;
	const cpu = process.cpuUsage(cpuBefore);
	const cpuSeconds = (cpu.user + cpu.system) / 1e6;
	return { rate: requests / seconds, cpuRate: requests / cpuSeconds };
}

export function median(values: readonly number[]): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((left, right) => left - right);
	const middle = sorted.length >> 1;
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Alternate rounds baseline, candidate, baseline, candidate… so drift (JIT, GC, CPU frequency, other load on
 * the machine) hits both alike; each candidate round is compared with the baseline rounds on either side of it.
 */
export async function compare(
	baseline: Variant,
	candidate: Variant,
	options: RoundsOptions,
	onPair: (index: number, pair: Pair) => void = () => undefined,
): Promise<Comparison> {
	const { requests, concurrency, rounds, warmup, budgetMs } = options;
	const deadline = performance.now() + budgetMs;
	for (let index = 0; index < warmup; index += 1) {
		await round(baseline.call, requests, concurrency);
		await round(candidate.call, requests, concurrency);
	}
	const pairs: Pair[] = [];
	// a0 b0 a1 b1 a2 … : each b is compared with the a before and the a after it (geometric mean), which cancels
	// load that rises or falls steadily during the run; comparing b only with the a before it would not.
	let before = await round(baseline.call, requests, concurrency);
	// At least three pairs, whatever the budget says: a median of fewer means nothing.
	for (let index = 0; index < rounds && (index < 3 || performance.now() < deadline); index += 1) {
		const b = await round(candidate.call, requests, concurrency);
		const after = await round(baseline.call, requests, concurrency);
		const a = { rate: Math.sqrt(before.rate * after.rate), cpuRate: Math.sqrt(before.cpuRate * after.cpuRate) };
		const pair = { baseline: a, candidate: b, ratio: b.rate / a.rate, cpuRatio: b.cpuRate / a.cpuRate };
		pairs.push(pair);
		onPair(index, pair);
		before = after;
	}
	const ratios = pairs.map((pair) => pair.ratio);
	return {
		pairs,
		medianRatio: median(ratios),
		minRatio: Math.min(...ratios),
		maxRatio: Math.max(...ratios),
		medianCpuRatio: median(pairs.map((pair) => pair.cpuRatio)),
		medianBaselineRate: median(pairs.map((pair) => pair.baseline.rate)),
		medianCandidateRate: median(pairs.map((pair) => pair.candidate.rate)),
		truncated: pairs.length < rounds,
	};
}
