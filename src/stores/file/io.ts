import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The file-system calls the file store makes: `node:fs/promises` unless a test replaces them. An internal seam (see
 * {@link FILE_SYSTEM}), so that tests can play what a machine cannot show on demand: a full disk, a read-only
 * device, a permission the kernel would refuse to anyone but root.
 */
export type FileSystem = Pick<typeof nodeFs, 'open' | 'rename' | 'unlink' | 'mkdir' | 'chmod' | 'stat' | 'readdir'>;

/**
 * Key of the internal option that replaces the file system: `new FileTokenStore({ dir, [FILE_SYSTEM]: fs })`.
 * Not exported from `tokenkeeper/file`, and not on the public options type: it is for this package's tests.
 */
export const FILE_SYSTEM: unique symbol = Symbol('tokenkeeper.fileStore.fileSystem');

/** The internal options, beside the public ones. */
export interface FileStoreSeams {
	readonly [FILE_SYSTEM]?: FileSystem | undefined;
}

export const nodeFileSystem: FileSystem = nodeFs;

/**
 * Whether the platform has POSIX permission bits. Windows has ACLs instead: there the store neither sets nor checks
 * modes (a profile's `%APPDATA%` is private to its user by default).
 */
export const POSIX_MODES = process.platform !== 'win32';

/** An error from a system call (`ENOENT`, `EACCES`, `ENOSPC`…), as Node's fs throws them. */
export interface ErrnoError extends Error {
	readonly code: string;
	readonly syscall?: string | undefined;
	readonly path?: string | undefined;
}

export function isErrnoError(error: unknown): error is ErrnoError {
	return error instanceof Error && typeof (error as Partial<ErrnoError>).code === 'string' && /^E[A-Z]+$/.test((error as ErrnoError).code);
}

export function errnoOf(error: unknown): string | undefined {
	return isErrnoError(error) ? error.code : undefined;
}

/** Run `work`, and turn its `ENOENT` into `undefined`: a file that is not there is an answer, not a failure. */
export async function unlessMissing<T>(work: () => Promise<T>): Promise<T | undefined> {
	try {
		return await work();
	} catch (error) {
		if (errnoOf(error) === 'ENOENT') return undefined;
		throw error;
	}
}

/** Remove a file that may already be gone. */
export async function removeFile(fs: FileSystem, file: string): Promise<void> {
	await unlessMissing(() => fs.unlink(file));
}

/**
 * Flags that open a file for reading without following a symbolic link at its path: the open fails with `ELOOP`
 * instead (`O_NOFOLLOW`). Windows has no such flag: there a link is followed.
 */
export const READ_NO_FOLLOW: number | 'r' = fsConstants.O_NOFOLLOW === undefined ? 'r' : fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW;

/** Who owns a file and who may get at it: what the store judges before it reads. */
export interface FileOwnership {
	readonly mode: number;
	readonly uid: number;
}

/** What {@link readCheckedFile} found: a regular file's text, or something else at the path (a directory…). */
export type FileRead = { readonly isFile: true; readonly text: string } | { readonly isFile: false };

/**
 * A regular file's text, once `refuse(ownership)` found nothing against its owner and mode (else it throws what
 * `refuse` returned), through one handle: what is judged is what is read, and a file the store cannot trust is never
 * read at all. `undefined` when the file does not exist. A symbolic link at `file` is never followed: the open
 * rejects with `ELOOP` (except on Windows, see {@link READ_NO_FOLLOW}).
 */
export async function readCheckedFile(
	fs: FileSystem,
	file: string,
	refuse: (ownership: FileOwnership) => Error | undefined,
): Promise<FileRead | undefined> {
	const handle = await unlessMissing(() => fs.open(file, READ_NO_FOLLOW));
	if (handle === undefined) return undefined;
	try {
		const stat = await handle.stat();
		if (!stat.isFile()) return { isFile: false };
		const refusal = refuse(stat);
		if (refusal) throw refusal;
		return { isFile: true, text: await handle.readFile('utf8') };
	} finally {
		await handle.close();
	}
}

/** The prefix of the temporary files a write of `file` leaves behind if its process dies. */
export function temporaryPrefix(file: string): string {
	return `${file}.tmp-`;
}

/**
 * Replace `file` with `text` atomically: a temporary file in the same directory (0600), written and flushed to the
 * disk, renamed over the target, then the directory flushed. A process killed at any point leaves either the old
 * file or the new one, never half of one; a failure (ENOSPC…) leaves the old one and removes the temporary file.
 */
export async function writeFileAtomically(fs: FileSystem, file: string, text: string): Promise<void> {
	const temporary = `${temporaryPrefix(file)}${randomUUID()}`;
	// 'wx': never through a file or link someone placed under that name.
	const handle = await fs.open(temporary, 'wx', 0o600);
	try {
		try {
			// A umask such as 0277 would have left 0400; 0600 is what the reader checks for, whatever the umask.
			if (POSIX_MODES) await handle.chmod(0o600);
			await handle.writeFile(text, 'utf8');
			await handle.sync();
		} finally {
			await closeQuietly(handle);
		}
		await fs.rename(temporary, file);
	} catch (error) {
		await removeFile(fs, temporary).catch(() => undefined);
		throw error;
	}
	await syncDirectory(fs, path.dirname(file));
}

async function closeQuietly(handle: FileHandle): Promise<void> {
	await handle.close().catch(() => undefined);
}

/**
 * Flush a directory, so that a rename in it survives a power cut. Best effort: Windows cannot open a directory, some
 * file systems refuse to flush one (EINVAL), and by now the new file is in place for every process to read.
 */
async function syncDirectory(fs: FileSystem, directory: string): Promise<void> {
	if (!POSIX_MODES) return;
	try {
		const handle = await fs.open(directory, 'r');
		try {
			await handle.sync();
		} finally {
			await closeQuietly(handle);
		}
	} catch {
		// See above: durability across a power cut is what is lost, not the session.
	}
}

/** Remove the temporary files that writers of `file` killed mid-write left behind (they may hold tokens). */
export async function removeLeftovers(fs: FileSystem, file: string): Promise<void> {
	const prefix = path.basename(temporaryPrefix(file));
	const names = (await unlessMissing(() => fs.readdir(path.dirname(file)))) ?? [];
	for (const name of names) {
		if (name.startsWith(prefix)) await removeFile(fs, path.join(path.dirname(file), name));
	}
}
