import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, expect } from 'vitest';

/**
 * Resources that keep a Node process alive (what why-is-node-running reports): pending timers and
 * immediates, sockets, servers. Unref'd timers (AbortSignal.timeout, undici's keep-alive clock) are not counted
 * here, since they cannot hold a process open; {@link watchTimers} sees tokenkeeper's own timers, unref'd or not.
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
 * there before it, and no timer tokenkeeper armed during the test is still pending, unref'd ones included: a test
 * that leaves one fails, naming the resource type or where the timer was armed. (The runner's own timeout timer is
 * in the baseline; tests that need an exact count measure inside their body.)
 */
export function expectNoLeftoverResourcesAfterEachTest(types: readonly string[] = TIMERS): void {
	let baseline: ResourceCounts = {};
	let timers: TimerWatch | undefined;
	beforeEach(() => {
		baseline = activeResources(types);
		timers = watchTimers();
	});
	afterEach(async () => {
		try {
			expect(leftovers(baseline, await resourcesAfterSettling(baseline))).toEqual(none(types));
			expect(await timers!.settled()).toEqual([]);
		} finally {
			timers?.stop();
		}
	});
}

/** What {@link watchTimers} reports. */
export interface TimerWatch {
	/** Where each timer armed by tokenkeeper since the watch began, and neither fired nor cleared, was armed. */
	pending(): string[];
	/** {@link pending}, once it is empty or `ms` have passed: a timer cleared a tick after a call settles is not a leak. */
	settled(ms?: number): Promise<string[]>;
	stop(): void;
}

/** A stack frame in tokenkeeper's own code (sources or build), not in its emulator, CLI, tests or dependencies. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const OWN_CODE = new RegExp(`${ROOT}(src|dist)/(?!testing|cli)`);

/**
 * The first frame of `stack` (below this helper) in tokenkeeper's code, or `undefined`: a timer that a dependency
 * (p-retry, ky) arms on tokenkeeper's behalf counts as tokenkeeper's.
 */
function ownFrame(stack: string | undefined): string | undefined {
	const frames = (stack ?? '').split('\n').slice(1);
	return frames.find((frame) => !frame.includes('test/_helpers/resources') && OWN_CODE.test(frame))?.trim();
}

/** The live timers of each active watch: handle -> where it was armed. */
const watches = new Set<Map<unknown, string>>();
const realTimers = {
	setTimeout: globalThis.setTimeout,
	clearTimeout: globalThis.clearTimeout,
	setInterval: globalThis.setInterval,
	clearInterval: globalThis.clearInterval,
};

function armingSite(): string | undefined {
	const limit = Error.stackTraceLimit;
	Error.stackTraceLimit = 20;
	const stack = new Error().stack;
	Error.stackTraceLimit = limit;
	return ownFrame(stack);
}

function wrapArm<F extends typeof setTimeout | typeof setInterval>(arm: F, once: boolean): F {
	return ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
		const where = watches.size > 0 ? armingSite() : undefined;
		const call = arm as (...a: unknown[]) => unknown;
		if (!where) return call(callback, ms, ...args);
		const maps = [...watches];
		const handle = call(
			(...callbackArgs: unknown[]) => {
				if (once) for (const live of maps) live.delete(handle);
				callback(...callbackArgs);
			},
			ms,
			...args,
		);
		for (const live of maps) live.set(handle, `${once ? 'setTimeout' : 'setInterval'}(${ms} ms) ${where}`);
		return handle;
	}) as unknown as F;
}

function wrapClear<F extends typeof clearTimeout | typeof clearInterval>(clear: F): F {
	return ((handle: Parameters<F>[0]) => {
		for (const live of watches) live.delete(handle);
		clear(handle as never);
	}) as F;
}

let installed = false;

/**
 * Watch the timers tokenkeeper arms (setTimeout and setInterval, ref'd or unref'd) until `stop()`. The
 * process-level view ({@link activeResources}) cannot see an unref'd timer; rule 9 forbids those too. Done by
 * wrapping the global timer functions once per test file (tokenkeeper looks them up at each call, as any library
 * does); watches nest, and cost nothing while none is active.
 */
export function watchTimers(): TimerWatch {
	if (!installed) {
		installed = true;
		globalThis.setTimeout = wrapArm(realTimers.setTimeout, true);
		globalThis.setInterval = wrapArm(realTimers.setInterval, false);
		globalThis.clearTimeout = wrapClear(realTimers.clearTimeout);
		globalThis.clearInterval = wrapClear(realTimers.clearInterval);
	}
	const live = new Map<unknown, string>();
	watches.add(live);
	const pending = () => [...live.values()];
	return {
		pending,
		async settled(ms = 1_000) {
			const deadline = performance.now() + ms;
			while (live.size > 0 && performance.now() < deadline) await new Promise((resolve) => realTimers.setTimeout(resolve, 5));
			return pending();
		},
		stop() {
			watches.delete(live);
		},
	};
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
