import type { FailureGroup, RunReport } from './session-protocol.js';

/** One call in progress: the time it spent before each of its requests left (the token wait), and how many it sent. */
export interface CallTiming {
	/** End of the last request's round trip (or the call's start): the next wait is measured from here. */
	mark: number;
	waitMs: number;
	sends: number;
}

/**
 * Every call of a run: start, end, latency, token wait and the failure's code, in parallel arrays (a run can make
 * 100 000 calls); `report` sums them up for the benchmark process.
 */
export class CallLog {
	readonly starts: number[] = [];
	readonly ends: number[] = [];
	readonly codes: (string | undefined)[] = [];
	readonly ms: number[] = [];
	readonly waitMs: number[] = [];
	retried = 0;

	add(start: number, end: number, ms: number, code: string | undefined, timing: CallTiming): void {
		this.starts.push(start);
		this.ends.push(end);
		this.ms.push(ms);
		this.codes.push(code);
		this.waitMs.push(Math.round(timing.waitMs * 100) / 100);
		if (timing.sends > 1) this.retried += 1;
	}

	report(marks: readonly number[], session: Pick<RunReport, 'errorEvents' | 'tokenEvents' | 'storeTransitions'>): RunReport {
		const okMs: number[] = [];
		const failures: Record<string, { count: number; ms: number[]; firstAt: number; lastAt: number }> = {};
		const periods = Array.from({ length: marks.length + 1 }, () => ({ ok: 0, failed: 0 }));
		const lastMark = marks.at(-1);
		let firstOkStartedAfterLastMark: number | undefined;
		for (let index = 0; index < this.starts.length; index += 1) {
			const [start, end, ms, code] = [this.starts[index]!, this.ends[index]!, this.ms[index]!, this.codes[index]];
			const period = periods[marks.filter((mark) => end >= mark).length]!;
			if (code === undefined) {
				okMs.push(Math.round(ms * 100) / 100);
				period.ok += 1;
				if (
					lastMark !== undefined &&
					start >= lastMark &&
					(firstOkStartedAfterLastMark === undefined || end < firstOkStartedAfterLastMark)
				) {
					firstOkStartedAfterLastMark = end;
				}
			} else {
				period.failed += 1;
				const group = failures[code] ?? { count: 0, ms: [], firstAt: start, lastAt: start };
				failures[code] = group;
				group.count += 1;
				if (group.ms.length < 2_000) group.ms.push(Math.round(ms));
				group.firstAt = Math.min(group.firstAt, start);
				group.lastAt = Math.max(group.lastAt, start);
			}
		}
		return {
			pid: process.pid,
			calls: this.starts.length,
			ok: okMs.length,
			okMs,
			waitMs: this.waitMs,
			retried: this.retried,
			failures: failures as Record<string, FailureGroup>,
			periods,
			firstOkStartedAfterLastMark,
			...session,
		};
	}
}
