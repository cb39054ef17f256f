import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenManager, ErrorCode, isTokenkeeperError, oauth2, type TokenSet, type TokenStore } from '../../src/index.js';
import { createLocalLock } from '../../src/stores/local-lock.js';
import { sameTokenSet } from '../../src/stores/store.js';
import { createClock } from '../_helpers/manager.js';
import { createModelServer, type ModelFault, type ModelServer } from '../_helpers/model-server.js';
import { resolution, settle } from '../_helpers/outcome.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';

/**
 * The manager's state machine under random interleavings (fast-check's scheduler decides, at every step, which
 * pending thing happens next: a caller's operation, or the server's answer to a token request). Against a model
 * server that rotates refresh tokens, after every run:
 * - never more than one token request in flight for the session (rules 2 and 8);
 * - never a refresh token presented twice, never one the server did not issue (rule 8);
 * - the cached token only ever moves forward: every write to the store is at least as new as the one before;
 * - no caller gets a token older than the one cached when it called, or one rejected before it called (rule 4);
 * - every caller settles (bounded), with a token, a tokenkeeper error, or its own abort reason;
 * - a caller is told to log in only when the session was cleared, or a refresh token was refused.
 */

type Operation =
	| { readonly kind: 'get' }
	| { readonly kind: 'get-then-abort' }
	| { readonly kind: 'force-refresh' }
	| { readonly kind: 'reject-current' }
	| { readonly kind: 'reject-stale' }
	| { readonly kind: 'clock'; readonly ms: number }
	| { readonly kind: 'fault'; readonly fault: ModelFault }
	| { readonly kind: 'revoke' }
	| { readonly kind: 'clear' }
	| { readonly kind: 'set'; readonly fresh: boolean };

const HOUR = 3_600_000;
/** Runs per property; raise it (TOKENKEEPER_PROPERTY_RUNS=5000) to search longer. */
const RUNS = Number(process.env.TOKENKEEPER_PROPERTY_RUNS ?? 150);

const operation: fc.Arbitrary<Operation> = fc.oneof(
	{ weight: 6, arbitrary: fc.constant({ kind: 'get' } as const) },
	{ weight: 2, arbitrary: fc.constant({ kind: 'get-then-abort' } as const) },
	{ weight: 1, arbitrary: fc.constant({ kind: 'force-refresh' } as const) },
	{ weight: 3, arbitrary: fc.constant({ kind: 'reject-current' } as const) },
	{ weight: 1, arbitrary: fc.constant({ kind: 'reject-stale' } as const) },
	{ weight: 2, arbitrary: fc.constantFrom(-HOUR, 31 * 60_000, HOUR - 29_000, 2 * HOUR).map((ms) => ({ kind: 'clock', ms }) as const) },
	{
		weight: 2,
		arbitrary: fc.constantFrom<ModelFault>('unavailable', 'network', 'refuse').map((fault) => ({ kind: 'fault', fault }) as const),
	},
	{ weight: 1, arbitrary: fc.constant({ kind: 'revoke' } as const) },
	{ weight: 1, arbitrary: fc.constant({ kind: 'clear' } as const) },
	{ weight: 1, arbitrary: fc.boolean().map((fresh) => ({ kind: 'set', fresh }) as const) },
);

/** A memory store that records every write and lets the test peek at the current entry without awaiting. */
function createRecordingStore(server: ModelServer) {
	let current: TokenSet | undefined;
	const writes: number[] = [];
	const withLock = createLocalLock();
	const write = (next: TokenSet | undefined) => {
		current = next;
		if (next) writes.push(server.indexOf(next.accessToken));
	};
	const store: TokenStore = {
		get: async () => current,
		set: async (_key, tokenSet) => write(tokenSet),
		delete: async () => write(undefined),
		compareAndSet: async (_key, expected, next) => {
			if (!sameTokenSet(current, expected)) return false;
			write(next);
			return true;
		},
		withLock: (key, fn) => withLock(key, fn),
	};
	return { store, writes, peek: () => current };
}

interface CallRecord {
	readonly kind: string;
	/** Number of the token cached when the call started (-1: none). */
	readonly cachedAtStart: number;
	/** Tokens whose rejection had already been accepted when the call started. */
	readonly rejectedAtStart: ReadonlySet<number>;
	readonly clearedAtStart: boolean;
	readonly clearsAtStart: number;
	readonly abortReason?: unknown;
	result?: { ok: true; index: number } | { ok: false; error: unknown; clears: number; refusals: number };
}

/** Let the scheduler run everything it holds until `done` settles; false if it has not within `ms` of real time. */
async function drain(scheduler: fc.Scheduler, done: Promise<unknown>, ms = 2_000): Promise<boolean> {
	let settled = false;
	void done.then(() => {
		settled = true;
	});
	const deadline = performance.now() + ms;
	while (!settled && performance.now() < deadline) {
		await scheduler.waitIdle();
		await new Promise((resolve) => setImmediate(resolve));
	}
	return settled;
}

type Mode = 'client credentials (a grant needs no person)' | 'authorization code (a person must log in)';

async function runInterleaving(scheduler: fc.Scheduler, operations: readonly Operation[], mode: Mode) {
	const unattended = mode.startsWith('client');
	const clock = createClock();
	const server = createModelServer({ schedule: (task, label) => scheduler.schedule(task, label) });
	const { store, writes, peek } = createRecordingStore(server);
	const provider = unattended
		? oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', clientSecret: 'model-secret', clientAuth: 'body' })
		: oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', grant: 'authorization_code' });
	const manager = createTokenManager(provider, { store, key: 'session', fetch: server.fetch, now: clock.now, retry: 0, timeout: 60_000 });
	if (!unattended) await manager.setTokens({ ...server.mintSession(), expiresIn: 3600 });

	const calls: CallRecord[] = [];
	const rejected = new Set<number>();
	let cleared = false;
	let clears = 0;
	const refusals = () => server.stats.refused;

	async function getToken(kind: string, options: { forceRefresh?: boolean; abort?: boolean } = {}) {
		const controller = options.abort ? new AbortController() : undefined;
		const record: CallRecord = {
			kind,
			cachedAtStart: server.indexOf(peek()?.accessToken),
			rejectedAtStart: new Set(rejected),
			clearedAtStart: cleared,
			clearsAtStart: clears,
			abortReason: controller ? new Error(`caller ${calls.length} gave up`) : undefined,
		};
		calls.push(record);
		if (controller) void scheduler.schedule(Promise.resolve(), 'abort').then(() => controller.abort(record.abortReason));
		try {
			const tokenSet = await manager.getToken({ forceRefresh: options.forceRefresh, signal: controller?.signal });
			record.result = { ok: true, index: server.indexOf(tokenSet.accessToken) };
		} catch (error) {
			record.result = { ok: false, error, clears, refusals: refusals() };
		}
	}

	async function reject(token: string | undefined) {
		if (token !== undefined && (await manager.invalidate(token))) rejected.add(server.indexOf(token));
	}

	async function perform(op: Operation): Promise<void> {
		switch (op.kind) {
			case 'get':
				return getToken('get');
			case 'get-then-abort':
				return getToken('get-then-abort', { abort: true });
			case 'force-refresh':
				return getToken('force-refresh', { forceRefresh: true });
			case 'reject-current':
				return reject(peek()?.accessToken);
			case 'reject-stale': {
				const older = server.indexOf(peek()?.accessToken) - 1;
				return reject(older > 0 ? `AT-${older}` : undefined);
			}
			case 'clock':
				clock.advance(op.ms);
				return;
			case 'fault':
				server.fail(op.fault);
				return;
			case 'revoke':
				server.revokeAll();
				return;
			case 'clear':
				cleared = true;
				clears += 1;
				return manager.clear();
			case 'set':
				cleared = false;
				await manager.setTokens({ ...server.mintSession(), expiresIn: op.fresh ? 3600 : 0 });
				return;
		}
	}

	const pending = operations.map((op) => scheduler.schedule(Promise.resolve(), op.kind).then(() => perform(op)));
	// Every caller settles: bounded in real time, whatever the interleaving.
	expect(await drain(scheduler, Promise.allSettled(pending)), 'every operation settled within 2 s').toBe(true);
	expect(calls.filter((call) => call.result === undefined)).toEqual([]);

	// At most one token request in flight for the session; no refresh token presented twice.
	const { maxInFlight, reuse, unknown, requests } = server.stats;
	expect({ maxInFlight, reuse, unknown }).toEqual({ maxInFlight: Math.min(requests, 1), reuse: 0, unknown: 0 });

	// The cached token only moves forward.
	for (let i = 1; i < writes.length; i++) expect(writes[i]).toBeGreaterThanOrEqual(writes[i - 1]!);

	for (const call of calls) {
		const result = call.result!;
		if (result.ok) {
			expect(result.index).toBeGreaterThanOrEqual(call.cachedAtStart);
			expect(call.rejectedAtStart.has(result.index), `${call.kind} got AT-${result.index}, rejected before it called`).toBe(false);
			continue;
		}
		const { error } = result;
		if (call.abortReason !== undefined && error === call.abortReason) continue;
		expect(isTokenkeeperError(error), `${call.kind} failed with ${String(error)}`).toBe(true);
		if (isTokenkeeperError(error) && error.code === ErrorCode.LoginRequired) {
			const sessionCleared = call.clearedAtStart || result.clears > call.clearsAtStart;
			const refreshRefused = !unattended && result.refusals > 0;
			expect(sessionCleared || refreshRefused, `${call.kind}: "${error.message}" without a clear() or a refused refresh`).toBe(true);
		}
	}

	// Once things are quiet, the cached token is the newest one the store ever held...
	const cached = peek();
	if (cached && writes.length > 0) expect(server.indexOf(cached.accessToken)).toBe(Math.max(...writes));
	// ...and, when no person is needed, a patient caller gets a token at least as new as any handed out before.
	if (unattended && !cleared) {
		server.clearFaults();
		const last = scheduler.schedule(Promise.resolve(), 'last get').then(() => manager.getToken());
		expect(
			await drain(
				scheduler,
				last.catch(() => undefined),
			),
			'the last caller settled within 2 s',
		).toBe(true);
		const newest = Math.max(-1, ...calls.flatMap((call) => (call.result?.ok ? [call.result.index] : [])));
		expect(server.indexOf(resolution(await settle(last, 1_000)).accessToken)).toBeGreaterThanOrEqual(newest);
	}
	return { manager, server, cleared };
}

const MODES: readonly Mode[] = ['client credentials (a grant needs no person)', 'authorization code (a person must log in)'];

expectNoLeftoverResourcesAfterEachTest();

describe.each(MODES)('interleavings, %s', (mode) => {
	it('getToken, invalidate (current and stale), faults, revocation, rotation, clear and setTokens in any order: every invariant holds', async () => {
		await fc.assert(
			fc.asyncProperty(fc.scheduler(), fc.array(operation, { minLength: 1, maxLength: 24 }), async (scheduler, operations) => {
				await runInterleaving(scheduler, operations, mode);
			}),
			{ numRuns: RUNS },
		);
	});

	it('a burst of callers on a cold or dead cache, answered in any order: one token request at a time, all settle', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.scheduler(),
				fc.array(
					fc.constantFrom<Operation>({ kind: 'get' }, { kind: 'get-then-abort' }, { kind: 'reject-current' }, { kind: 'force-refresh' }),
					{
						minLength: 10,
						maxLength: 60,
					},
				),
				async (scheduler, operations) => {
					const { server } = await runInterleaving(scheduler, operations, mode);
					expect(server.stats.requests).toBeLessThanOrEqual(operations.length);
				},
			),
			{ numRuns: Math.ceil(RUNS / 1.5) },
		);
	});
});

describe('interleavings the properties found, kept as examples', () => {
	/** A model server whose answers wait until the test releases them, one by one. */
	function heldServer() {
		const held: Array<() => void> = [];
		const server = createModelServer({
			schedule: <T>(task: Promise<T>) => task.then((value) => new Promise<T>((resolve) => held.push(() => resolve(value)))),
		});
		const answerNext = async () => {
			for (let tick = 0; tick < 50 && held.length === 0; tick++) await new Promise((resolve) => setImmediate(resolve));
			held.shift()!();
		};
		return { server, answerNext };
	}

	function managerFor(server: ModelServer, grant: 'client_credentials' | 'authorization_code', clock = createClock()) {
		const provider =
			grant === 'client_credentials'
				? oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', clientSecret: 'model-secret', clientAuth: 'body' })
				: oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', grant: 'authorization_code' });
		return createTokenManager(provider, { fetch: server.fetch, now: clock.now, retry: 0, timeout: 5_000 });
	}

	it('setTokens() with an expired session while a grant is in flight: the callers get the new session, refreshed, not "log in again"', async () => {
		const { server, answerNext } = heldServer();
		const manager = managerFor(server, 'client_credentials');
		const before = settle(manager.getToken(), 2_000);
		await new Promise((resolve) => setImmediate(resolve));
		const session = server.mintSession();
		await manager.setTokens({ ...session, expiresIn: 0 });
		const after = settle(manager.getToken(), 2_000);
		await answerNext(); // the grant: its answer belongs to the replaced session and is dropped
		await answerNext(); // the refresh of the session setTokens() stored
		const [first, second] = await Promise.all([before, after]);
		expect(resolution(first).accessToken).toBe(resolution(second).accessToken);
		expect(server.stats).toMatchObject({ grants: 1, refreshes: 1, reuse: 0 });
		expect(server.indexOf(resolution(first).refreshToken)).toBe(server.stats.newest);
	});

	it('setTokens() while a refresh is refused: the new session is refreshed once, and its answer kept (no second use of its refresh token)', async () => {
		const { server, answerNext } = heldServer();
		const manager = managerFor(server, 'authorization_code');
		await manager.setTokens({ ...server.mintSession(), expiresIn: 0 });
		const pending = settle(manager.getToken(), 2_000);
		await new Promise((resolve) => setImmediate(resolve));
		server.revokeAll();
		await manager.setTokens({ ...server.mintSession(), expiresIn: 0 });
		await answerNext(); // the old refresh token: refused; the store is re-read and the new session adopted
		await answerNext(); // the new session's refresh
		expect(resolution(await pending).accessToken).toBe(`AT-${server.stats.newest}`);
		expect((await manager.getToken()).accessToken).toBe(`AT-${server.stats.newest}`);
		expect(server.stats).toMatchObject({ refreshes: 2, reuse: 0, refused: 1 });
	});

	it('a rejected token stays rejected when the clock is set back an hour', async () => {
		const clock = createClock();
		const server = createModelServer();
		const manager = managerFor(server, 'client_credentials', clock);
		const rejected = await manager.getToken();
		expect(await manager.invalidate(rejected)).toBe(true);
		clock.advance(-HOUR);
		expect((await manager.getToken()).accessToken).not.toBe(rejected.accessToken);
		expect(server.stats.requests).toBe(2);
	});
});
