import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore, type FileTokenStoreOptions } from '../../src/file.js';
import { createTokenSet, isStoreError, type StoreError, type TokenSet } from '../../src/index.js';
import { FILE_SYSTEM, type FileStoreSeams, type FileSystem } from '../../src/stores/file/io.js';
import { sessionFileName } from '../../src/stores/file/paths.js';

/** A scratch root for file-store tests, and fresh directories under it (not created: the store creates them). */
export function createScratch(prefix: string) {
	const root = mkdtempSync(join(tmpdir(), prefix));
	let count = 0;
	return {
		root,
		newDir(): string {
			count += 1;
			return join(root, `sessions-${count}`);
		},
		remove(): void {
			rmSync(root, { recursive: true, force: true });
		},
	};
}

/** A store over a replaced file system: the internal seam (`FILE_SYSTEM`) the file store keeps for tests. */
export function storeWithFileSystem(fs: FileSystem, options: FileTokenStoreOptions): FileTokenStore {
	const withSeam: FileTokenStoreOptions & FileStoreSeams = { ...options, [FILE_SYSTEM]: fs };
	return new FileTokenStore(withSeam);
}

/** The real file system, as the store uses it by default: spread it and replace a call or two. */
export const realFileSystem: FileSystem = fsp;

/** An error as Node's fs throws one (`code`, `syscall`, `path`), for a replaced call to throw what the kernel would answer. */
export function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
	const messages: Record<string, string> = {
		EACCES: 'permission denied',
		EROFS: 'read-only file system',
		ENOSPC: 'no space left on device',
	};
	return Object.assign(new Error(`${code}: ${messages[code] ?? 'failed'}, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
}

/** `<dir>/<hash>.<suffix>` for a session key, as the store names its files. */
export function sessionPath(dir: string, key: string, suffix: 'json' | 'lock' | 'write.lock' = 'json'): string {
	return join(dir, sessionFileName(key).replace(/json$/, suffix));
}

/**
 * Leave a lock file as a holder that died would: `{ owner, expiresAt }` (expired when `expiresAt` is past), or an empty
 * file (its maker died between create and write) aged `ageMs`. Returns the owner.
 */
export function plantLock(lockFile: string, lock: { expiresAt: number } | { empty: true; ageMs: number }): string {
	const owner = randomUUID();
	if ('empty' in lock) {
		writeFileSync(lockFile, '', { mode: 0o600 });
		const then = (Date.now() - lock.ageMs) / 1000;
		utimesSync(lockFile, then, then);
	} else {
		writeFileSync(lockFile, `${JSON.stringify({ owner, expiresAt: lock.expiresAt, pid: 1 })}\n`, { mode: 0o600 });
	}
	return owner;
}

/** Names in `dir` that are not session files: locks, claims, temporary and moved-aside files. */
export function otherFiles(dir: string): string[] {
	return readdirSync(dir).filter((name) => !/^[0-9a-f]{32}\.json$/.test(name));
}

/** The clock of the file-store tests' token sets. */
export const NOW = Date.UTC(2026, 10, 23, 12);

/** A token set with a refresh token, fresh for an hour from {@link NOW}. */
export const tokens = (accessToken: string): TokenSet =>
	createTokenSet({ accessToken, refreshToken: `${accessToken}-refresh`, expiresAt: NOW + 3_600_000 }, NOW);

/** What `attempt` rejects with, which must be a StoreError. */
export async function failure(attempt: () => Promise<unknown>): Promise<StoreError> {
	const error = await attempt().then(
		() => undefined,
		(reason: unknown) => reason,
	);
	if (!isStoreError(error)) throw new Error(`expected a StoreError, got ${String(error)}`);
	return error;
}
