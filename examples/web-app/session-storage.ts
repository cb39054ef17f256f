/**
 * Where the web app keeps what belongs to a person's session, on the server: their tokens (a TokenStore shared by every
 * session, one key each) and their login attempt (state, PKCE verifier, nonce) between the redirect and the callback.
 * Files in a directory by default (one machine); Redis when REDIS_URL is set (many processes or machines).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from 'redis';
import type { AttemptStorage, TokenStore } from 'tokenkeeper';
import { FileTokenStore } from 'tokenkeeper/file';
import { RedisTokenStore } from 'tokenkeeper/redis';

/** How long a login may take, from the redirect to the callback: the flow's `attemptTtl` and the attempts' expiry. */
export const ATTEMPT_TTL = 10 * 60_000;

export interface SessionStorage {
	/** Every person's tokens, one key per session (the flow's `key`). */
	readonly tokens: TokenStore;
	/** The login attempts of one session: a callback finds only its own session's attempt. */
	attemptsOf(sessionId: string): AttemptStorage;
	close(): Promise<void>;
}

/** Sessions in files under `dir`: tokens by FileTokenStore, each attempt a file of its own (mode 0600). */
export async function fileSessionStorage(dir: string): Promise<SessionStorage> {
	const attemptsDir = path.join(dir, 'attempts');
	await mkdir(attemptsDir, { recursive: true, mode: 0o700 });
	// Keys hold the session id and the state: hashed, so that no key can name a path outside the directory or be too long.
	const fileOf = (key: string) => path.join(attemptsDir, createHash('sha256').update(key).digest('hex'));
	const read = (file: string) => readFile(file, 'utf8').catch(() => null);
	return {
		tokens: new FileTokenStore({ dir: path.join(dir, 'tokens') }),
		attemptsOf: (sessionId) => ({
			getItem: (key) => read(fileOf(`${sessionId}:${key}`)),
			setItem: (key, value) => writeFile(fileOf(`${sessionId}:${key}`), value, { mode: 0o600 }),
			removeItem: (key) => rm(fileOf(`${sessionId}:${key}`), { force: true }),
			// A rename is atomic: of two callbacks replaying one state at once, one gets the file, the other nothing.
			async takeItem(key) {
				const taken = `${fileOf(`${sessionId}:${key}`)}.${randomUUID()}`;
				if (
					!(await rename(fileOf(`${sessionId}:${key}`), taken).then(
						() => true,
						() => false,
					))
				)
					return null;
				const value = await read(taken);
				await rm(taken, { force: true });
				return value;
			},
		}),
		// Attempts abandoned at the provider stay as files until the directory goes: expired ones are refused anyway.
		close: async () => {},
	};
}

/** Sessions in Redis: one connection for the tokens (RedisTokenStore, with its lock) and the attempts (expiring keys). */
export async function redisSessionStorage(url: string): Promise<SessionStorage> {
	const redis = createClient({ url });
	redis.on('error', (error: unknown) => console.warn(`web-app: Redis: ${String(error)}`));
	await redis.connect();
	const keyOf = (sessionId: string, key: string) => `web-app:${sessionId}:${key}`;
	return {
		tokens: new RedisTokenStore({ client: redis }),
		attemptsOf: (sessionId) => ({
			getItem: (key) => redis.get(keyOf(sessionId, key)),
			// Redis forgets an attempt the person abandoned at the provider.
			setItem: async (key, value) => void (await redis.set(keyOf(sessionId, key), value, { PX: ATTEMPT_TTL })),
			removeItem: async (key) => void (await redis.del(keyOf(sessionId, key))),
			takeItem: (key) => redis.getDel(keyOf(sessionId, key)),
		}),
		close: async () => {
			await redis.close();
		},
	};
}
