import type * as Vitest from 'vitest';
import { createTokenSet, type TokenSet, type TokenStore } from '../../src/index.js';
import { toTokenSetRecord } from '../../src/token-set.js';

/**
 * The test functions the suite registers with. Passed in rather than imported, so that the suite adds no
 * runtime dependency on a test runner and can later be exported for users' own stores.
 */
export type TestApi = Pick<typeof Vitest, 'describe' | 'it' | 'expect' | 'beforeEach' | 'afterEach'>;

/** What {@link describeTokenStoreConformance} needs to know about a store. */
export interface StoreConformanceOptions {
	/** A fresh, empty store (or a fresh namespace of a shared one). */
	readonly create: () => TokenStore | Promise<TokenStore>;
	/** Another handle on the same data, as a second process would open it. Default: the same store. */
	readonly peer?: ((store: TokenStore) => TokenStore | Promise<TokenStore>) | undefined;
	/** Releases what `create` or `peer` opened; called after each test with every handle. */
	readonly dispose?: ((store: TokenStore) => void | Promise<void>) | undefined;
	/**
	 * What the store claims beyond get/set/delete. A claimed feature is tested, and its tests fail (never skip) when
	 * the store turns out to lack it; an unclaimed optional method must really be absent. Default: everything.
	 */
	readonly features?:
		| {
				readonly compareAndSet?: boolean | undefined;
				readonly withLock?: boolean | undefined;
				/** `withLock(key, fn, { signal })` stops waiting when `signal` aborts. */
				readonly lockHonoursSignal?: boolean | undefined;
				/** `withLock(key, fn, { ttl })`: a holder that never settles blocks others at most about `ttl`. */
				readonly lockBoundsDeadHolder?: boolean | undefined;
		  }
		| undefined;
}

const NOW = Date.UTC(2026, 10, 23, 12);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A token set with every field set, and strings that break naive serialisation. */
function fullTokenSet(tag = 'a'): TokenSet {
	return createTokenSet(
		{
			accessToken: `access-${tag}-"quoted"\\back\u00e9\u{1F511}`,
			tokenType: 'Bearer',
			expiresAt: NOW + 3_600_000,
			refreshToken: `refresh-${tag}-\n-line`,
			scope: 'api identity\tx',
			idToken: `id-${tag}.eyJzdWIiOiJ1In0.sig`,
			receivedAt: NOW - 5,
		},
		NOW,
	);
}

function minimalTokenSet(tag = 'm'): TokenSet {
	return createTokenSet({ accessToken: `access-${tag}` }, NOW);
}

/** `promise`, or a rejection naming `what` when it has not settled within `ms`: a broken store fails fast, never hangs. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
	});
	return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Poll until `check` holds, up to `timeout` ms; returns whether it did. */
async function eventually(check: () => Promise<boolean>, timeout: number): Promise<boolean> {
	const deadline = performance.now() + timeout;
	while (performance.now() < deadline) {
		if (await check()) return true;
		await sleep(20);
	}
	return check();
}

/**
 * Register the {@link TokenStore} contract as tests: lossless round trips, TTLs, compare-and-set, and the lock
 * (mutual exclusion, release on throw, abort while waiting, bounded dead holder) — whatever the store spans.
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * describeTokenStoreConformance('memory', { create: () => createMemoryStore() }, { describe, it, expect, beforeEach, afterEach });
 */
export function describeTokenStoreConformance(name: string, options: StoreConformanceOptions, t: TestApi): void {
	const { describe, it, expect, beforeEach, afterEach } = t;
	const features = { compareAndSet: true, withLock: true, lockHonoursSignal: true, lockBoundsDeadHolder: true, ...options.features };
	// Unique per run, in Node and in a browser page alike.
	const run = Math.random().toString(36).slice(2);
	let store: TokenStore;
	let opened: TokenStore[] = [];
	let keyCount = 0;
	const newKey = () => {
		keyCount += 1;
		return `conformance|${name}|${run}|${keyCount}|${Math.random().toString(36).slice(2)}`;
	};

	async function peer(): Promise<TokenStore> {
		if (!options.peer) return store;
		const other = await options.peer(store);
		opened.push(other);
		return other;
	}

	describe(`TokenStore conformance: ${name}`, () => {
		beforeEach(async () => {
			store = await options.create();
			opened = [store];
		});
		afterEach(async () => {
			for (const handle of new Set(opened)) await options.dispose?.(handle);
		});

		describe('get, set, delete', () => {
			it('get of a key never set -> undefined', async () => {
				expect(await store.get(newKey())).toBeUndefined();
			});

			it('set then get -> every field back without loss (refreshToken, idToken, scope, expiresAt, receivedAt)', async () => {
				const key = newKey();
				const original = fullTokenSet();
				await store.set(key, original);
				const read = await (await peer()).get(key);
				expect(read).toBeDefined();
				expect(toTokenSetRecord(read!)).toEqual(toTokenSetRecord(original));
			});

			it('a minimal token set comes back with its absent fields still absent', async () => {
				const key = newKey();
				await store.set(key, minimalTokenSet());
				const read = await store.get(key);
				expect(toTokenSetRecord(read!)).toEqual(toTokenSetRecord(minimalTokenSet()));
				expect(read!.expiresAt).toBeUndefined();
				expect(read!.refreshToken).toBeUndefined();
			});

			it('what get returns is a TokenSet: it prints no token', async () => {
				const key = newKey();
				const original = fullTokenSet();
				await store.set(key, original);
				const read = (await store.get(key))!;
				for (const printed of [JSON.stringify(read), String(read)]) {
					expect(printed).not.toContain('access-a');
					expect(printed).not.toContain('refresh-a');
					expect(printed).not.toContain('id-a');
				}
			});

			it('set replaces; delete removes; deleting a missing key is a no-op; keys are independent', async () => {
				const [one, two] = [newKey(), newKey()];
				await store.set(one, fullTokenSet('first'));
				await store.set(one, fullTokenSet('second'));
				await store.set(two, minimalTokenSet('other'));
				expect((await store.get(one))!.accessToken).toBe(fullTokenSet('second').accessToken);
				await store.delete(one);
				await store.delete(one);
				await store.delete(newKey());
				expect(await store.get(one)).toBeUndefined();
				expect((await store.get(two))!.accessToken).toBe('access-other');
			});
		});

		describe('TTL', () => {
			it('set with { ttl: 150 } -> there at once, gone soon after 150 ms', async () => {
				const key = newKey();
				const started = performance.now();
				await store.set(key, fullTokenSet(), { ttl: 150 });
				expect(await store.get(key)).toBeDefined();
				expect(await eventually(async () => (await store.get(key)) === undefined, 2_000)).toBe(true);
				expect(performance.now() - started).toBeGreaterThanOrEqual(140);
			});

			it('set without ttl -> kept; and it clears the TTL an earlier set gave the key', async () => {
				const [kept, cleared] = [newKey(), newKey()];
				await store.set(kept, fullTokenSet());
				await store.set(cleared, fullTokenSet('x'), { ttl: 100 });
				await store.set(cleared, fullTokenSet('y'));
				await sleep(300);
				expect(await store.get(kept)).toBeDefined();
				expect((await store.get(cleared))?.accessToken).toBe(fullTokenSet('y').accessToken);
			});
		});

		if (!features.compareAndSet) {
			it('compareAndSet: not claimed, and absent', () => {
				expect(store.compareAndSet).toBeUndefined();
			});
		}

		if (features.compareAndSet)
			describe('compareAndSet', () => {
				const cas = () => {
					if (!store.compareAndSet) throw new Error('no compareAndSet');
					return store.compareAndSet.bind(store);
				};

				it('expected undefined on an empty key -> sets it, resolves true', async () => {
					const key = newKey();
					expect(await cas()(key, undefined, fullTokenSet())).toBe(true);
					expect(toTokenSetRecord((await store.get(key))!)).toEqual(toTokenSetRecord(fullTokenSet()));
				});

				it('expected undefined on a key that has an entry -> false, entry unchanged', async () => {
					const key = newKey();
					await store.set(key, fullTokenSet('kept'));
					expect(await cas()(key, undefined, fullTokenSet('new'))).toBe(false);
					expect((await store.get(key))!.accessToken).toBe(fullTokenSet('kept').accessToken);
				});

				it('matching expected (by access token, even a different object) -> replaced, true', async () => {
					const key = newKey();
					await store.set(key, fullTokenSet('old'));
					const sameAccessToken = createTokenSet({ accessToken: fullTokenSet('old').accessToken });
					expect(await cas()(key, sameAccessToken, fullTokenSet('new'))).toBe(true);
					expect(toTokenSetRecord((await store.get(key))!)).toEqual(toTokenSetRecord(fullTokenSet('new')));
				});

				it('stale expected -> false, entry unchanged', async () => {
					const key = newKey();
					await store.set(key, fullTokenSet('current'));
					expect(await cas()(key, fullTokenSet('stale'), fullTokenSet('new'))).toBe(false);
					expect((await store.get(key))!.accessToken).toBe(fullTokenSet('current').accessToken);
				});

				it('next undefined -> deletes when expected matches, keeps when it does not', async () => {
					const key = newKey();
					await store.set(key, fullTokenSet('current'));
					expect(await cas()(key, fullTokenSet('stale'), undefined)).toBe(false);
					expect(await store.get(key)).toBeDefined();
					expect(await cas()(key, fullTokenSet('current'), undefined)).toBe(true);
					expect(await store.get(key)).toBeUndefined();
				});

				it('10 concurrent compareAndSet from the same expected -> exactly one wins, and its value is stored', async () => {
					const key = newKey();
					await store.set(key, fullTokenSet('start'));
					const handles = await Promise.all(Array.from({ length: 10 }, () => peer()));
					const results = await Promise.all(
						handles.map((handle, index) => handle.compareAndSet!(key, fullTokenSet('start'), fullTokenSet(`next-${index}`))),
					);
					expect(results.filter(Boolean)).toHaveLength(1);
					const winner = results.indexOf(true);
					expect((await store.get(key))!.accessToken).toBe(fullTokenSet(`next-${winner}`).accessToken);
				});
			});

		if (!features.withLock) {
			it('withLock: not claimed, and absent', () => {
				expect(store.withLock).toBeUndefined();
			});
		}

		if (features.withLock)
			describe('withLock', () => {
				const lock = (handle: TokenStore) => {
					if (!handle.withLock) throw new Error('no withLock');
					return handle.withLock.bind(handle);
				};

				it("resolves with fn's result", async () => {
					expect(await lock(store)(newKey(), async () => 42)).toBe(42);
				});

				it('mutual exclusion: 8 concurrent holders (each on its own handle) never overlap, and all of them run', async () => {
					const key = newKey();
					let active = 0;
					let most = 0;
					let ran = 0;
					const handles = await Promise.all(Array.from({ length: 8 }, () => peer()));
					await Promise.all(
						handles.map((handle) =>
							lock(handle)(key, async () => {
								active += 1;
								most = Math.max(most, active);
								await sleep(5 + Math.random() * 15);
								active -= 1;
								ran += 1;
							}),
						),
					);
					expect(most).toBe(1);
					expect(ran).toBe(8);
				});

				it('a held lock on one key does not block another key', async () => {
					const [held, other] = [newKey(), newKey()];
					let release!: () => void;
					const holding = lock(store)(held, () => new Promise<void>((resolve) => (release = resolve)));
					await sleep(20);
					const started = performance.now();
					expect(await lock(await peer())(other, async () => 'free')).toBe('free');
					expect(performance.now() - started).toBeLessThan(1_000);
					release();
					await holding;
				});

				it('release on throw: fn throws -> withLock rejects with that error, and the next holder gets the lock at once', async () => {
					const key = newKey();
					const failure = new Error('holder failed');
					await expect(lock(store)(key, async () => Promise.reject(failure))).rejects.toBe(failure);
					const started = performance.now();
					expect(await lock(await peer())(key, async () => 'next')).toBe('next');
					expect(performance.now() - started).toBeLessThan(1_000);
				});

				if (features.lockHonoursSignal) {
					it('an already aborted signal -> rejects with its reason, fn never runs', async () => {
						const reason = new Error('stop');
						let ran = false;
						await expect(
							lock(store)(
								newKey(),
								async () => {
									ran = true;
								},
								{ signal: AbortSignal.abort(reason) },
							),
						).rejects.toBe(reason);
						expect(ran).toBe(false);
					});

					it('abort while waiting -> rejects within 500 ms with the reason, fn never runs; the lock still works after', async () => {
						const key = newKey();
						let release!: () => void;
						const holding = lock(store)(key, () => new Promise<void>((resolve) => (release = resolve)));
						await sleep(20);
						const controller = new AbortController();
						const reason = new Error('caller gave up');
						let ran = false;
						const waiting = lock(await peer())(
							key,
							async () => {
								ran = true;
							},
							{ signal: controller.signal },
						);
						await sleep(50);
						const abortedAt = performance.now();
						controller.abort(reason);
						await expect(within(waiting, 2_000, 'the aborted wait')).rejects.toBe(reason);
						expect(performance.now() - abortedAt).toBeLessThan(500);
						release();
						await holding;
						expect(ran).toBe(false);
						expect(await lock(await peer())(key, async () => 'after')).toBe('after');
					});
				}

				if (features.lockBoundsDeadHolder) {
					it('a holder that never settles blocks the key for about its ttl, not forever', async () => {
						const key = newKey();
						void lock(store)(key, () => new Promise<never>(() => undefined), { ttl: 400 });
						await sleep(20);
						const started = performance.now();
						const next = lock(await peer())(key, async () => 'taken over', { ttl: 400 });
						expect(await within(next, 5_000, 'the next holder')).toBe('taken over');
						const waited = performance.now() - started;
						expect(waited).toBeGreaterThanOrEqual(250);
						expect(waited).toBeLessThan(2_500);
					});
				}
			});
	});
}
