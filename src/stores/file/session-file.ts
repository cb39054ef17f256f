import path from 'node:path';
import type { StoreError } from '../../errors.js';
import type { TokenSet } from '../../token-set.js';
import { asFileStoreError, unusableFileError } from './errors.js';
import { decodeSessionFile, encodeSessionEntry, type SessionEntry, type SessionMeta } from './format.js';
import { errnoOf, readCheckedFile, removeLeftovers, writeFileAtomically, type FileRead, type FileSystem } from './io.js';
import { notPrivateError, SESSION_FILE_NAME, sessionFileName } from './paths.js';

/** One session on disk, as `FileTokenStore.list()` reports it. */
export interface FileSession {
	/** The session file's path. */
	readonly file: string;
	readonly key: string;
	readonly tokenSet: TokenSet;
	readonly meta: SessionMeta | undefined;
}

/** A session file `FileTokenStore.list()` could not use: damaged, foreign, too open; `error` says what to do. */
export interface UnreadableSessionFile {
	readonly file: string;
	readonly error: StoreError;
}

/** What is in a session file, judged. */
export type SessionFileState =
	| { readonly kind: 'none' }
	| { readonly kind: 'entry'; readonly entry: SessionEntry }
	| { readonly kind: 'unusable'; readonly error: StoreError };

/**
 * Judge a session file of the store at `dir`. It is read only when it is yours and only you can read it (another
 * user's, or a too open one, throws with the fix); a symbolic link at its path is never followed. Links, damaged,
 * foreign and misnamed files are `unusable`, with their error.
 */
export async function inspectSessionFile(fs: FileSystem, file: string, dir: string): Promise<SessionFileState> {
	let read: FileRead | undefined;
	try {
		read = await readCheckedFile(fs, file, (ownership) => notPrivateError(file, ownership, 'file', dir));
	} catch (error) {
		// The open does not follow a link at the path (O_NOFOLLOW), and says so with ELOOP.
		if (errnoOf(error) === 'ELOOP') return { kind: 'unusable', error: unusableFileError({ kind: 'link' }, file, dir) };
		throw error;
	}
	if (read === undefined) return { kind: 'none' };
	if (!read.isFile) return { kind: 'unusable', error: unusableFileError({ kind: 'not-a-file' }, file, dir) };
	const decoded = decodeSessionFile(read.text);
	if ('problem' in decoded) return { kind: 'unusable', error: unusableFileError(decoded.problem, file, dir) };
	// The name is the key's hash: a file copied or renamed by hand must not answer for another session.
	if (path.basename(file) !== sessionFileName(decoded.entry.key)) {
		return { kind: 'unusable', error: unusableFileError({ kind: 'other-key' }, file, dir) };
	}
	return { kind: 'entry', entry: decoded.entry };
}

/** Keep a file the store cannot use, under `<file>.corrupt-<time>`, for a person to look at: never overwrite it. */
export async function moveAside(fs: FileSystem, file: string, now: number): Promise<void> {
	await fs.rename(file, `${file}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`);
}

/** Under the write lock: replace the file whole, then sweep what writers killed mid-write left (it holds tokens). */
export async function writeSessionFile(fs: FileSystem, file: string, entry: SessionEntry): Promise<void> {
	await writeFileAtomically(fs, file, encodeSessionEntry(entry));
	await removeLeftovers(fs, file);
}

/** Every session file in `dir` with what it holds (when `isLive`), or why it cannot be used. */
export async function listSessionFiles(
	fs: FileSystem,
	dir: string,
	isLive: (entry: SessionEntry) => boolean,
): Promise<Array<FileSession | UnreadableSessionFile>> {
	const names = (await fs.readdir(dir)).filter((name) => SESSION_FILE_NAME.test(name)).sort();
	const sessions: Array<FileSession | UnreadableSessionFile> = [];
	for (const name of names) {
		const file = path.join(dir, name);
		try {
			const state = await inspectSessionFile(fs, file, dir);
			if (state.kind === 'unusable') sessions.push({ file, error: state.error });
			if (state.kind === 'entry' && isLive(state.entry)) {
				const { key, tokenSet, meta } = state.entry;
				sessions.push({ file, key, tokenSet, meta });
			}
		} catch (error) {
			// One file's trouble (too open, unreadable) must not hide the others from a `sessions` listing.
			sessions.push({ file, error: asFileStoreError(error, 'reading a session', dir) });
		}
	}
	return sessions;
}
