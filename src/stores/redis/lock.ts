import { randomUUID } from 'node:crypto';
import { abortable, delay } from '../../abortable.js';
import { replyText } from './connection.js';

/** Sends one Redis command about the lock key and resolves with its reply; a failure rejects (a `StoreError`). */
export type RedisCommand = (args: readonly string[]) => Promise<unknown>;

/** How one {@link withRedisLock} call takes, keeps and waits for its lock. */
export interface RedisLockOptions {
	/** Lease of the lock key, in ms: renewed while the holder runs, so a crashed holder blocks others at most this long. */
	readonly lease: number;
	/** Longest time this holder keeps the lock, renewals included, in ms; `undefined` = as long as it runs. */
	readonly maxHold: number | undefined;
	/** Longest wait for the lock, in ms; then the call rejects with a `TimeoutError`. */
	readonly waitTimeout: number;
	readonly signal: AbortSignal | undefined;
}

// Only the owner (the holder of the random token) may release or renew: a holder whose lease ran out
// must not delete the lock a later holder took meanwhile.
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

const FIRST_BACKOFF = 10;
const LARGEST_BACKOFF = 100;

/**
 * Run `fn` while holding the Redis lock `lockKey`: `SET lockKey <random> NX PX <lease>`, renewed every third of
 * the lease until `fn` settles or `maxHold` is reached, released by a compare-and-delete script.
 * Waiters retry with exponential backoff and jitter, and stop at once when `signal` aborts.
 * @see https://redis.io/docs/latest/develop/clients/patterns/distributed-locks/ ("Correct Implementation with a Single Instance")
 */
export async function withRedisLock<T>(
	command: RedisCommand,
	lockKey: string,
	fn: () => Promise<T>,
	options: RedisLockOptions,
): Promise<T> {
	const owner = randomUUID();
	const firstLease = Math.ceil(Math.min(options.lease, options.maxHold ?? Number.POSITIVE_INFINITY));
	// From when the winning SET was sent: the key never outlives that moment plus `maxHold`.
	const acquiredAt = await acquire(command, lockKey, owner, firstLease, options);
	const holdUntil = acquiredAt + (options.maxHold ?? Number.POSITIVE_INFINITY);
	const stopRenewing = keepAlive(command, lockKey, owner, firstLease, options.lease, holdUntil);
	try {
		return await fn();
	} finally {
		stopRenewing();
		await release(command, lockKey, owner);
	}
}

/** A failed release costs at most one lease: the key expires by itself, and is never someone else's to delete. */
async function release(command: RedisCommand, lockKey: string, owner: string): Promise<void> {
	await command(['EVAL', RELEASE, '1', lockKey, owner]).catch(() => undefined);
}

function isOk(reply: unknown): boolean {
	return replyText(reply) === 'OK';
}

/** Take the lock, waiting as long as allowed; resolves with when the winning `SET` was sent (`performance.now()`). */
async function acquire(command: RedisCommand, lockKey: string, owner: string, lease: number, options: RedisLockOptions): Promise<number> {
	const { signal } = options;
	const deadline = performance.now() + options.waitTimeout;
	for (let tries = 0; ; tries += 1) {
		signal?.throwIfAborted();
		// Not aborted mid-flight: the SET may succeed on the server after the caller gave up, and a lock nobody
		// knows it holds would block the session for a whole lease. The caller stops waiting at once all the same.
		const sentAt = performance.now();
		const setting = command(['SET', lockKey, owner, 'NX', 'PX', String(lease)]);
		const reply = await abortable(setting, signal).catch((error: unknown) => {
			if (signal?.aborted) void setting.then((late) => (isOk(late) ? release(command, lockKey, owner) : undefined)).catch(() => undefined);
			// A SET that failed on the way (timed out after it was written, its reply lost) may still have taken the lock:
			// release it by owner, in the background. A Redis that is down is not "the lock is busy": no retry, no wait.
			else void release(command, lockKey, owner);
			throw error;
		});
		if (isOk(reply)) return sentAt;
		const left = deadline - performance.now();
		if (left <= 0) {
			throw new DOMException(
				`Waited ${options.waitTimeout} ms for this session's token lock, which another process holds; ` +
					'its holder may be stuck on a slow token endpoint. Try again, or raise `lockWaitTimeout`.',
				'TimeoutError',
			);
		}
		await delay(Math.min(backoff(tries), left), signal);
	}
}

/** Full jitter between half and all of an exponential step, so waiters do not retry in lockstep. */
function backoff(tries: number): number {
	const step = Math.min(LARGEST_BACKOFF, FIRST_BACKOFF * 2 ** Math.min(tries, 16));
	return step / 2 + Math.random() * (step / 2);
}

/** Renew the lease while the holder runs, never past `holdUntil`; returns the function that stops. */
function keepAlive(
	command: RedisCommand,
	lockKey: string,
	owner: string,
	firstLease: number,
	lease: number,
	holdUntil: number,
): () => void {
	let renewing = false;
	const timer = setInterval(
		() => {
			const left = holdUntil - performance.now();
			if (left <= 0) {
				// The holder outlived its bound: let the lease run out, so a stuck holder cannot block the session.
				clearInterval(timer);
				return;
			}
			if (renewing) return;
			renewing = true;
			command(['EVAL', RENEW, '1', lockKey, owner, String(Math.ceil(Math.min(lease, left)))])
				.then((renewed) => {
					// 0: the lease ran out and the key is gone or someone else's; renewing cannot get it back.
					if (Number(renewed) === 0) clearInterval(timer);
				})
				// A network blip: try again at the next tick, while the lease still runs.
				.catch(() => undefined)
				.finally(() => {
					renewing = false;
				});
		},
		Math.max(10, Math.floor(firstLease / 3)),
	);
	// A lock must never keep a process alive on its own.
	timer.unref();
	return () => clearInterval(timer);
}
