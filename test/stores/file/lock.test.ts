import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../../src/file.js';
import { createScratch, otherFiles, plantLock, realFileSystem, sessionPath, storeWithFileSystem } from '../../_helpers/file-store.js';

const scratch = createScratch('tokenkeeper-file-lock-');
afterAll(() => scratch.remove());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stores on one fresh directory, each its own instance: as processes sharing sessions open it. */
function sharedDir(options: ConstructorParameters<typeof FileTokenStore>[0] = {}) {
	const dir = scratch.newDir();
	return { dir, open: () => new FileTokenStore({ ...options, dir }) };
}

describe('FileTokenStore lock', () => {
	it('while held: `<hash>.lock` holds { owner, expiresAt }; after: no lock, claim or other file is left', async () => {
		const { dir, open } = sharedDir();
		const store = open();
		await store.set('k', (await import('../../../src/index.js')).createTokenSet({ accessToken: 'a' }));
		let during: unknown;
		await store.withLock('k', async () => {
			const { readFileSync } = await import('node:fs');
			during = JSON.parse(readFileSync(sessionPath(dir, 'k', 'lock'), 'utf8'));
		});
		expect(during).toEqual({ owner: expect.stringMatching(/^[0-9a-f-]{36}$/), expiresAt: expect.any(Number), pid: process.pid });
		expect(otherFiles(dir)).toEqual([]);
	});

	it('a lock left by a dead holder whose lease ran out is taken over at once', async () => {
		const { dir, open } = sharedDir();
		const store = open();
		await store.withLock('k', async () => undefined);
		plantLock(sessionPath(dir, 'k', 'lock'), { expiresAt: Date.now() - 1 });
		const started = performance.now();
		expect(await store.withLock('k', async () => 'taken over')).toBe('taken over');
		expect(performance.now() - started).toBeLessThan(1_000);
		expect(otherFiles(dir)).toEqual([]);
	});

	it('an empty lock file (its maker died between create and write) blocks for about a lease by its age, not forever', async () => {
		const { dir, open } = sharedDir({ lockTtl: 400 });
		const store = open();
		await store.withLock('k', async () => undefined);
		plantLock(sessionPath(dir, 'k', 'lock'), { empty: true, ageMs: 0 });
		const started = performance.now();
		expect(await store.withLock('k', async () => 'taken over')).toBe('taken over');
		const waited = performance.now() - started;
		expect(waited).toBeGreaterThanOrEqual(250);
		expect(waited).toBeLessThan(3_000);
	});

	it('two waiters take over one expired lock at once: the second never removes the lock the first just took', async () => {
		const { dir } = sharedDir();
		const lockFile = sessionPath(dir, 'k', 'lock');
		const first = new FileTokenStore({ dir });
		await first.withLock('k', async () => undefined);
		plantLock(lockFile, { expiresAt: Date.now() - 1 });
		// The first waiter pauses inside its takeover, between its claim and its unlink of the expired lock.
		let resume!: () => void;
		const gate = new Promise<void>((resolve) => (resume = resolve));
		let paused!: () => void;
		const pausedInTakeover = new Promise<void>((resolve) => (paused = resolve));
		let pauses = 1;
		const slow = storeWithFileSystem(
			{
				...realFileSystem,
				unlink: async (path) => {
					if (path === lockFile && pauses-- > 0) {
						paused();
						await gate;
					}
					return realFileSystem.unlink(path);
				},
			},
			{ dir },
		);
		const events: string[] = [];
		const one = slow.withLock('k', async () => {
			events.push('first in');
			await sleep(300);
			events.push('first out');
		});
		await pausedInTakeover;
		// The second judges the same expired lock meanwhile; a naive takeover would remove it now and take the lock,
		// then the first's unlink would remove *that* lock: two holders.
		const two = first.withLock('k', async () => {
			events.push('second in');
			events.push('second out');
		});
		await sleep(150);
		expect(events).toEqual([]);
		resume();
		await Promise.all([one, two]);
		expect(events).toEqual(['first in', 'first out', 'second in', 'second out']);
		expect(otherFiles(dir)).toEqual([]);
	});

	it('20 rounds of 12 waiters on a freshly expired lock: never two holders at once, all run', async () => {
		const { dir, open } = sharedDir();
		const handles = Array.from({ length: 12 }, open);
		await handles[0]!.withLock('k', async () => undefined);
		for (let round = 0; round < 20; round += 1) {
			plantLock(sessionPath(dir, 'k', 'lock'), { expiresAt: Date.now() - 1 });
			let active = 0;
			let most = 0;
			let ran = 0;
			await Promise.all(
				handles.map((handle) =>
					handle.withLock('k', async () => {
						active += 1;
						most = Math.max(most, active);
						await sleep(1 + Math.random() * 3);
						active -= 1;
						ran += 1;
					}),
				),
			);
			expect({ round, most, ran }).toEqual({ round, most: 1, ran: 12 });
		}
		expect(otherFiles(dir)).toEqual([]);
	}, 60_000);

	it('a claim whose maker died is passed over after a lease, never deleted on a guess; a young one is waited for', async () => {
		const { dir, open } = sharedDir({ lockTtl: 400 });
		const store = open();
		await store.withLock('k', async () => undefined);
		const lockFile = sessionPath(dir, 'k', 'lock');

		// Old claim: its maker died long ago. Passed over at once (claim .1 is taken instead).
		const owner = plantLock(lockFile, { expiresAt: Date.now() - 1 });
		writeFileSync(`${lockFile}.claim-${owner}.0`, '');
		const longAgo = (Date.now() - 60_000) / 1000;
		utimesSync(`${lockFile}.claim-${owner}.0`, longAgo, longAgo);
		let started = performance.now();
		await store.withLock('k', async () => undefined);
		expect(performance.now() - started).toBeLessThan(1_000);

		// Young claim: someone is taking the lock over right now. Waited for, until it is a lease old.
		const next = plantLock(lockFile, { expiresAt: Date.now() - 1 });
		writeFileSync(`${lockFile}.claim-${next}.0`, '');
		started = performance.now();
		await store.withLock('k', async () => undefined);
		const waited = performance.now() - started;
		expect(waited).toBeGreaterThanOrEqual(250);
		expect(waited).toBeLessThan(3_000);
		expect(otherFiles(dir)).toEqual([]);
	});

	it('a live holder keeps the lock past lockTtl by renewing it (lockTtl 300 ms, holder runs 1 200 ms)', async () => {
		const { open } = sharedDir({ lockTtl: 300 });
		const [holder, waiter] = [open(), open()];
		let holderEnded = 0;
		const holding = holder.withLock('k', async () => {
			await sleep(1_200);
			holderEnded = performance.now();
		});
		await sleep(50);
		const enteredAt = await waiter.withLock('k', async () => performance.now());
		await holding;
		expect(enteredAt).toBeGreaterThanOrEqual(holderEnded);
	});

	it("only its owner releases it: a holder past its ttl does not remove the next holder's lock", async () => {
		const { dir, open } = sharedDir({ lockTtl: 5_000 });
		const [a, b, c] = [open(), open(), open()];
		// A may hold for 200 ms only, yet runs 600 ms; B takes over at ~200 ms and runs until ~1 000 ms.
		const aDone = a.withLock('k', () => sleep(600), { ttl: 200 });
		await sleep(20);
		let bEnded = 0;
		const bDone = b.withLock('k', async () => {
			await sleep(800);
			bEnded = performance.now();
		});
		await aDone;
		// A's release ran while B held the lock: C must still wait for B.
		expect(existsSync(sessionPath(dir, 'k', 'lock'))).toBe(true);
		const cEntered = await c.withLock('k', async () => performance.now());
		await bDone;
		expect(cEntered).toBeGreaterThanOrEqual(bEnded);
	});

	it('lockWaitTimeout bounds the wait: rejects with a TimeoutError', async () => {
		const { open } = sharedDir({ lockWaitTimeout: 300 });
		const [holder, impatient] = [open(), open()];
		let release!: () => void;
		const holding = holder.withLock('k', () => new Promise<void>((resolve) => (release = resolve)));
		await sleep(20);
		const started = performance.now();
		await expect(impatient.withLock('k', async () => 'never')).rejects.toMatchObject({ name: 'TimeoutError' });
		expect(performance.now() - started).toBeLessThan(1_500);
		release();
		await holding;
	});

	it('the session lock and the write lock are apart: a holder of withLock writes the session without waiting on itself', async () => {
		const { open } = sharedDir({ lockWaitTimeout: 2_000 });
		const store = open();
		const { createTokenSet } = await import('../../../src/index.js');
		await store.withLock('k', async () => {
			await store.set('k', createTokenSet({ accessToken: 'inside' }));
			expect(await store.compareAndSet('k', createTokenSet({ accessToken: 'inside' }), createTokenSet({ accessToken: 'next' }))).toBe(true);
		});
		expect((await store.get('k'))?.accessToken).toBe('next');
	});
});
