import { randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { delay } from '../../abortable.js';
import { errnoOf, POSIX_MODES, READ_NO_FOLLOW, removeFile, unlessMissing, type FileSystem } from './io.js';

/** How one {@link withFileLock} call takes, keeps and waits for its lock. */
export interface FileLockOptions {
	/** Lease of the lock file, in ms: renewed while the holder runs, so a crashed holder blocks others at most this long. */
	readonly lease: number;
	/** Longest time this holder keeps the lock, renewals included, in ms; `undefined` = as long as it runs. */
	readonly maxHold: number | undefined;
	/** Longest wait for the lock, in ms; then the call rejects with a `TimeoutError`. */
	readonly waitTimeout: number;
	readonly signal: AbortSignal | undefined;
}

/**
 * Every lock record has this width: a renewal overwrites it in place through the holder's own handle, byte for byte,
 * so the file never needs truncating and never holds a shorter record's tail.
 */
const RECORD_WIDTH = 128;
const OWNER = /^[0-9a-f-]{36}$/;
const FIRST_BACKOFF = 10;
const LARGEST_BACKOFF = 100;

interface Held {
	readonly owner: string;
	readonly handle: FileHandle;
	/** Wall-clock epoch ms: the one clock every process on the machine shares. */
	expiresAt: number;
}

/** What a look at the lock file found. `identity`: its owner, or its inode when its record is unreadable. */
type Seen = { readonly state: 'gone' } | { readonly state: 'held'; readonly identity: string; readonly stale: boolean };

/**
 * Run `fn` while holding the lock file `lockPath`, across the processes of one machine. The lock is a file created
 * exclusively (`O_CREAT|O_EXCL`) holding `{ owner, expiresAt }`, renewed every third of the lease through the
 * holder's own handle until `fn` settles or `maxHold` is reached, and removed only by whoever holds the claim on it
 * (see {@link removeLock}). Waiters retry with exponential backoff and jitter, take over a lock whose lease ran out,
 * and stop at once when `signal` aborts. Node has no `flock`; this needs only `open('wx')`, `unlink` and a clock.
 */
export async function withFileLock<T>(fs: FileSystem, lockPath: string, fn: () => Promise<T>, options: FileLockOptions): Promise<T> {
	const firstLease = Math.ceil(Math.min(options.lease, options.maxHold ?? Number.POSITIVE_INFINITY));
	const { held, acquiredAt } = await acquire(fs, lockPath, firstLease, options);
	const holdUntil = acquiredAt + (options.maxHold ?? Number.POSITIVE_INFINITY);
	const stopRenewing = keepAlive(held, firstLease, options.lease, holdUntil);
	try {
		return await fn();
	} finally {
		await stopRenewing();
		// A failed release costs at most one lease: the lock then expires, and the next waiter takes it over.
		await removeLock(fs, lockPath, held.owner, { onlyIfStale: false, lease: options.lease }).catch(() => undefined);
	}
}

function record(owner: string, expiresAt: number): string {
	return `${JSON.stringify({ owner, expiresAt, pid: process.pid }).padEnd(RECORD_WIDTH - 1, ' ')}\n`;
}

function parseRecord(text: string): { owner: string; expiresAt: number } | undefined {
	try {
		const value = JSON.parse(text) as { owner?: unknown; expiresAt?: unknown };
		if (typeof value.owner === 'string' && OWNER.test(value.owner) && typeof value.expiresAt === 'number') {
			return { owner: value.owner, expiresAt: value.expiresAt };
		}
	} catch {
		// Empty (its creator died between create and write) or foreign: judged by its age below.
	}
	return undefined;
}

/** Create the lock file exclusively; `undefined` when it exists. */
async function tryCreate(fs: FileSystem, lockPath: string, owner: string, expiresAt: number): Promise<Held | undefined> {
	let handle: FileHandle;
	try {
		handle = await fs.open(lockPath, 'wx', 0o600);
	} catch (error) {
		// Windows answers EPERM while a removed lock file is still open somewhere: as good as taken.
		if (errnoOf(error) === 'EEXIST' || (!POSIX_MODES && errnoOf(error) === 'EPERM')) return undefined;
		throw error;
	}
	try {
		await handle.write(record(owner, expiresAt), 0);
	} catch (error) {
		await handle.close().catch(() => undefined);
		await removeFile(fs, lockPath).catch(() => undefined);
		throw error;
	}
	return { owner, handle, expiresAt };
}

/**
 * Look at the lock file: gone, or held by `identity`, stale when its lease ran out (or, unreadable, it is older than
 * one). Never through a link, like a session file: a link at the lock's path rejects with ELOOP, which the store
 * reports with the fix. Its owner is not checked: a lock holds no secret, and in a directory that is yours and 0700
 * (checked before any lock is taken) nobody but you and root can make one.
 */
async function inspect(fs: FileSystem, lockPath: string, lease: number): Promise<Seen> {
	const handle = await unlessMissing(() => fs.open(lockPath, READ_NO_FOLLOW));
	if (handle === undefined) return { state: 'gone' };
	try {
		const stat = await handle.stat();
		const parsed = parseRecord(await handle.readFile('utf8'));
		const now = Date.now();
		if (parsed) return { state: 'held', identity: parsed.owner, stale: parsed.expiresAt <= now };
		return { state: 'held', identity: `inode-${stat.ino}`, stale: stat.mtimeMs + lease <= now };
	} finally {
		await handle.close().catch(() => undefined);
	}
}

/** Take the lock, waiting as long as allowed. */
async function acquire(
	fs: FileSystem,
	lockPath: string,
	firstLease: number,
	options: FileLockOptions,
): Promise<{ held: Held; acquiredAt: number }> {
	const { signal } = options;
	const owner = randomUUID();
	const deadline = performance.now() + options.waitTimeout;
	for (let tries = 0; ; ) {
		signal?.throwIfAborted();
		const acquiredAt = Date.now();
		const held = await tryCreate(fs, lockPath, owner, acquiredAt + firstLease);
		if (held) {
			if (!signal?.aborted) return { held, acquiredAt };
			// The caller gave up while the file was being created: a lock nobody knows it holds would block a lease.
			await held.handle.close().catch(() => undefined);
			await removeLock(fs, lockPath, owner, { onlyIfStale: false, lease: options.lease }).catch(() => undefined);
			throw signal.reason;
		}
		const seen = await inspect(fs, lockPath, options.lease);
		if (seen.state === 'gone') continue;
		if (seen.stale && (await removeLock(fs, lockPath, seen.identity, { onlyIfStale: true, lease: options.lease }))) continue;
		const left = deadline - performance.now();
		if (left <= 0) {
			throw new DOMException(
				`Waited ${options.waitTimeout} ms for this session's lock (${lockPath}), which another process holds; ` +
					'its holder may be stuck on a slow token endpoint. Try again, or raise `lockWaitTimeout`.',
				'TimeoutError',
			);
		}
		await delay(Math.min(backoff(tries), left), signal);
		tries += 1;
	}
}

/** Full jitter between half and all of an exponential step, so waiters do not retry in lockstep. */
function backoff(tries: number): number {
	const step = Math.min(LARGEST_BACKOFF, FIRST_BACKOFF * 2 ** Math.min(tries, 16));
	return step / 2 + Math.random() * (step / 2);
}

/**
 * Remove the lock at `lockPath` if it is still `identity` (and, for a waiter taking over, still stale). Resolves `true`
 * when it is gone. Whoever removes a lock first takes the claim `<lockPath>.claim-<identity>.<n>`, an exclusive
 * create keyed by the lock it judged; so the holder releasing and any number of waiters taking over are one at a
 * time, and each re-reads the lock under the claim. A lock is therefore removed only by someone who saw it, by
 * identity, while nobody else could remove it: a new lock is never mistaken for the one judged, and no live lock is
 * ever moved or deleted. A claim whose maker died is passed over once it is older than a lease
 * (the next number is claimed instead), so no claim is ever deleted by a second guess.
 */
export async function removeLock(
	fs: FileSystem,
	lockPath: string,
	identity: string,
	options: { readonly onlyIfStale: boolean; readonly lease: number },
): Promise<boolean> {
	const claim = await takeClaim(fs, `${lockPath}.claim-${identity}`, options.lease);
	if (claim === undefined) return false;
	try {
		const seen = await inspect(fs, lockPath, options.lease);
		if (seen.state === 'gone') return true;
		if (seen.identity !== identity || (options.onlyIfStale && !seen.stale)) return false;
		await removeFile(fs, lockPath);
		return true;
	} finally {
		// Done with: our claim, and those of dead claimants passed over. An owner's identity is never reused, so no
		// later remover can mistake a new lock for the one these claims were about.
		for (const file of [...claim.passedOver, claim.file]) await removeFile(fs, file).catch(() => undefined);
	}
}

/** The first free claim for a lock, passing over those whose makers died; `undefined` while someone else holds one. */
async function takeClaim(fs: FileSystem, prefix: string, staleAfter: number): Promise<{ file: string; passedOver: string[] } | undefined> {
	const passedOver: string[] = [];
	for (let n = 0; ; n += 1) {
		const file = `${prefix}.${n}`;
		try {
			await (await fs.open(file, 'wx', 0o600)).close();
			return { file, passedOver };
		} catch (error) {
			if (errnoOf(error) !== 'EEXIST') throw error;
		}
		const stat = await unlessMissing(() => fs.stat(file));
		// Gone meanwhile: its maker finished, and the lock it judged is settled. Young: someone is at it right now.
		if (stat === undefined || stat.mtimeMs + staleAfter > Date.now()) return undefined;
		passedOver.push(file);
	}
}

/**
 * Renew the lease every third of it while the holder runs, never past `holdUntil`, and never once it ran out (the
 * lock may be another's by then: renewing is not re-taking). Resolves the stop function, which also closes the handle.
 */
function keepAlive(held: Held, firstLease: number, lease: number, holdUntil: number): () => Promise<void> {
	let renewing: Promise<void> | undefined;
	let stopped = false;
	const stop = async () => {
		if (!stopped) {
			stopped = true;
			clearInterval(timer);
		}
		await renewing;
		await held.handle.close().catch(() => undefined);
	};
	const timer = setInterval(
		() => {
			const now = Date.now();
			if (now >= held.expiresAt || now >= holdUntil) {
				// A holder past its bound lets the lease run out, so that a stuck holder cannot block the session.
				void stop();
				return;
			}
			if (renewing) return;
			const expiresAt = Math.min(now + lease, holdUntil);
			renewing = held.handle
				.write(record(held.owner, expiresAt), 0)
				.then(() => {
					held.expiresAt = expiresAt;
				})
				// A failed write: try again at the next tick, while the lease still runs.
				.catch(() => undefined)
				.finally(() => {
					renewing = undefined;
				});
		},
		Math.max(10, Math.floor(firstLease / 3)),
	);
	// A lock must never keep a process alive on its own.
	timer.unref();
	return stop;
}
