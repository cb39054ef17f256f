import { abortable } from '../../abortable.js';
import type { RedisCommandOptions, RedisSingleClientLike } from './client-types.js';

/** The node-redis client the store opens from `{ url }`, as far as the store uses it. */
interface OpenedClient extends RedisSingleClientLike {
	readonly isOpen: boolean;
	readonly isReady: boolean;
	connect(): Promise<unknown>;
	close(): Promise<void>;
	destroy(): void;
	on(event: 'error', listener: (error: unknown) => void): unknown;
}

/** The store's own client: connected in the background, failing fast while Redis is away. */
export interface OwnedClient {
	/** Send one command; during the first `commandTimeout` after opening, wait (until `signal`) for the first connection. */
	send(args: readonly string[], options: RedisCommandOptions & { readonly abortSignal: AbortSignal }): Promise<unknown>;
	/** Connected and ready for commands now. */
	readonly connected: boolean;
	/** True until the client has been ready once. */
	readonly neverConnected: boolean;
	/** The last connection error node-redis reported (`ECONNREFUSED`, `WRONGPASS`…), the most useful `cause`. */
	readonly lastError: unknown;
	/** Close the connection, waiting at most `timeout` ms for commands in flight. */
	close(timeout: number): Promise<void>;
}

/** Backoff between reconnection attempts: doubling from 50 ms to 2 s, with jitter so that processes spread out. */
function reconnectDelay(retries: number): number {
	return Math.min(50 * 2 ** Math.min(retries, 6), 2_000) + Math.floor(Math.random() * 100);
}

/**
 * Open the client for `{ url }` (with `redis` already imported): commands fail at once while it is disconnected
 * (`disableOfflineQueue`), so a call never waits for a Redis that is down; it reconnects for ever in the background,
 * so calls work again once Redis is back. The one wait is at the start: for `commandTimeout` after opening, calls
 * wait for the first connection, so that a process starting while Redis is up works at once.
 */
export function openOwnedClient(redis: typeof import('redis'), url: string, commandTimeout: number): OwnedClient {
	const client: OpenedClient = redis.createClient({
		url,
		disableOfflineQueue: true,
		socket: { connectTimeout: commandTimeout, reconnectStrategy: reconnectDelay },
	});
	let lastError: unknown;
	let neverConnected = true;
	// An 'error' event nobody listens to would crash the process; each one is kept as the cause of the next failure.
	client.on('error', (error) => {
		lastError = error;
	});
	const connected = client.connect().then(() => {
		neverConnected = false;
	});
	// connect() rejects only when the client is closed before it ever connects; the calls report their own failures.
	connected.catch(() => undefined);
	const firstWaitEnds = performance.now() + commandTimeout;

	return {
		async send(args, options) {
			if (neverConnected && !client.isReady && performance.now() < firstWaitEnds) {
				await abortable(connected, options.abortSignal);
			}
			return client.sendCommand(args, options);
		},
		get connected() {
			return client.isReady;
		},
		get neverConnected() {
			return neverConnected && !client.isReady;
		},
		get lastError() {
			return lastError;
		},
		async close(timeout) {
			if (!client.isOpen) return;
			let timer: ReturnType<typeof setTimeout> | undefined;
			// close() waits for replies in flight; a Redis that stopped answering must not hold the store's close.
			const late = new Promise<'late'>((resolve) => {
				timer = setTimeout(() => resolve('late'), timeout);
			});
			try {
				if ((await Promise.race([client.close(), late])) === 'late') client.destroy();
			} catch {
				if (client.isOpen) client.destroy();
			} finally {
				clearTimeout(timer);
			}
		},
	};
}
