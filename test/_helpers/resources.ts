import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, expect } from 'vitest';

/**
 * Resources that keep a Node process alive (what why-is-node-running reports): pending timers and
 * immediates, sockets, servers. Unref'd timers (AbortSignal.timeout, undici's keep-alive clock) are not counted,
 * since they cannot hold a process open.
 */
export type ResourceCounts = Readonly<Record<string, number>>;

export const TIMERS = ['Timeout', 'Immediate'] as const;
export const SOCKETS = ['TCPSocketWrap', 'TCPServerWrap', 'TCPWRAP', 'TCPSERVERWRAP'] as const;

/** How many resources of each type keep the event loop alive now. */
export function activeResources(types: readonly string[] = [...TIMERS, ...SOCKETS]): ResourceCounts {
	const counts: Record<string, number> = Object.fromEntries(types.map((type) => [type, 0]));
	for (const type of process.getActiveResourcesInfo()) if (type in counts) counts[type] = (counts[type] ?? 0) + 1;
	return counts;
}

/**
 * Wait (at most `ms`) for the resources to come back to `baseline`, and return the counts then: a socket closes
 * a few ticks after its peer, so the check polls instead of failing on the first look.
 */
export async function resourcesAfterSettling(baseline: ResourceCounts, ms = 1_000): Promise<ResourceCounts> {
	const types = Object.keys(baseline);
	const deadline = performance.now() + ms;
	for (;;) {
		// Polled with setImmediate so the check itself holds no timer when it looks.
		await new Promise((resolve) => setImmediate(resolve));
		const now = activeResources(types);
		const settled = types.every((type) => (now[type] ?? 0) <= (baseline[type] ?? 0));
		if (settled || performance.now() > deadline) return now;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

/** What is active beyond `baseline`, per type (0 when nothing is left over). */
export function leftovers(baseline: ResourceCounts, now: ResourceCounts): ResourceCounts {
	return Object.fromEntries(Object.keys(baseline).map((type) => [type, Math.max(0, (now[type] ?? 0) - (baseline[type] ?? 0))]));
}

/** Zero of each type: what {@link leftovers} returns when a scenario cleaned up after itself. */
export function none(types: readonly string[]): ResourceCounts {
	return Object.fromEntries(types.map((type) => [type, 0]));
}

/**
 * After every test of the calling file, no timer (or, with `SOCKETS`, no socket or server) is left beyond what was
 * there before it: a test that leaves one fails, naming the resource type. (The runner's own timeout timer is in
 * the baseline; tests that need an exact count measure inside their body.)
 */
export function expectNoLeftoverResourcesAfterEachTest(types: readonly string[] = TIMERS): void {
	let baseline: ResourceCounts = {};
	beforeEach(() => {
		baseline = activeResources(types);
	});
	afterEach(async () => {
		expect(leftovers(baseline, await resourcesAfterSettling(baseline))).toEqual(none(types));
	});
}

/** Abort listeners registered on `signal` right now. */
export function abortListeners(signal: AbortSignal): number {
	return getEventListeners(signal, 'abort').length;
}

let collect: (() => void) | undefined;

/**
 * A full garbage collection, then a few turns of the event loop for FinalizationRegistry callbacks. Needed to
 * tell a real listener leak from undici's way of detaching: `new Request(url, { signal })` keeps its listener on
 * the caller's signal until the Request is collected.
 */
export async function collectGarbage(): Promise<void> {
	if (!collect) {
		setFlagsFromString('--expose-gc');
		collect = runInNewContext('gc') as () => void;
	}
	for (let round = 0; round < 3; round++) {
		collect();
		await new Promise((resolve) => setImmediate(resolve));
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
