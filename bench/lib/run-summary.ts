import type { RunReport } from './session-protocol.js';
import { percentile } from './table.js';

/** Failed calls of one code, across every worker. */
export interface FailureSummary {
	readonly code: string;
	readonly count: number;
	/** How long the failed calls took: median and largest, ms. */
	readonly medianMs: number;
	readonly maxMs: number;
	/** Start of the first and last failed call (epoch ms). */
	readonly firstAt: number;
	readonly lastAt: number;
}

/** The calls of every worker of one run, together. */
export interface RunSummary {
	readonly calls: number;
	readonly ok: number;
	readonly failed: number;
	/** Calls that spent more than the threshold waiting for a token before their requests left. */
	readonly waited: number;
	/** Successful calls slower than the threshold from start to end, whatever they waited for. */
	readonly slow: number;
	/** Calls the API rejected once (403), retried with a new token. */
	readonly retried: number;
	/** Token wait of every call (ms): percentiles. */
	readonly waitP99: number;
	readonly waitMax: number;
	readonly p50: number;
	readonly p99: number;
	readonly max: number;
	readonly failures: readonly FailureSummary[];
	readonly errorEvents: ReadonlyMap<string, number>;
	readonly tokenEvents: ReadonlyMap<string, number>;
}

/** Merge the workers' reports; a call that waited more than `thresholdMs` for its token (or took longer, for `slow`) counts. */
export function summarize(reports: readonly RunReport[], thresholdMs: number): RunSummary {
	const latencies = reports.flatMap((report) => report.okMs).sort((a, b) => a - b);
	const waits = reports.flatMap((report) => report.waitMs).sort((a, b) => a - b);
	const groups = new Map<string, { count: number; ms: number[]; firstAt: number; lastAt: number }>();
	for (const report of reports) {
		for (const [code, group] of Object.entries(report.failures)) {
			const merged = groups.get(code) ?? { count: 0, ms: [], firstAt: group.firstAt, lastAt: group.lastAt };
			merged.count += group.count;
			merged.ms.push(...group.ms);
			merged.firstAt = Math.min(merged.firstAt, group.firstAt);
			merged.lastAt = Math.max(merged.lastAt, group.lastAt);
			groups.set(code, merged);
		}
	}
	const failures = [...groups].map(([code, group]) => {
		const sorted = group.ms.sort((a, b) => a - b);
		return {
			code,
			count: group.count,
			medianMs: percentile(sorted, 50),
			maxMs: sorted.at(-1) ?? Number.NaN,
			firstAt: group.firstAt,
			lastAt: group.lastAt,
		};
	});
	const calls = reports.reduce((sum, report) => sum + report.calls, 0);
	const ok = reports.reduce((sum, report) => sum + report.ok, 0);
	return {
		calls,
		ok,
		failed: calls - ok,
		waited: waits.filter((wait) => wait > thresholdMs).length,
		slow: latencies.filter((latency) => latency > thresholdMs).length,
		retried: reports.reduce((sum, report) => sum + report.retried, 0),
		waitP99: percentile(waits, 99),
		waitMax: waits.at(-1) ?? Number.NaN,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		max: latencies.at(-1) ?? Number.NaN,
		failures: failures.sort((a, b) => b.count - a.count),
		errorEvents: addUp(reports.map((report) => report.errorEvents)),
		tokenEvents: addUp(reports.map((report) => report.tokenEvents)),
	};
}

function addUp(records: readonly Readonly<Record<string, number>>[]): Map<string, number> {
	const total = new Map<string, number>();
	for (const record of records) for (const [key, value] of Object.entries(record)) total.set(key, (total.get(key) ?? 0) + value);
	return total;
}

/** `ERR_STORE 12, HTTP 403 1`, or `none`. */
export function describeCounts(counts: ReadonlyMap<string, number>): string {
	return [...counts].map(([key, value]) => `${key} ${value}`).join(', ') || 'none';
}
