import { StoreError } from '../../errors.js';
import { isErrnoError, type ErrnoError } from './io.js';

/** How a file store names itself in a {@link StoreError}: `file store at /home/me/.config/tokenkeeper`. */
export function storeLabel(dir: string): string {
	return `file store at ${dir}`;
}

/** Where to go instead, said once for every message that needs it. */
const ELSEWHERE = 'or point the store elsewhere (the `dir` option, or TOKENKEEPER_HOME)';

/**
 * A system call's failure as a {@link StoreError} with one line saying what to do; the errno error is the `cause`.
 * `doing` completes "while …" (`writing the session`); `dir` is the store's directory.
 */
export function ioStoreError(error: ErrnoError, doing: string, dir: string): StoreError {
	const where = error.path ?? dir;
	const call = error.syscall ? `${error.syscall} ` : '';
	const failed = `${call}${where} failed with ${error.code} while ${doing}`;
	return new StoreError(`${failed}: ${advice(error.code, where, dir)}`, { store: storeLabel(dir), cause: error });
}

function advice(code: string, where: string, dir: string): string {
	switch (code) {
		case 'EACCES':
		case 'EPERM':
			return `permission denied; make ${dir} yours and writable (chmod 700 ${dir}), ${ELSEWHERE}.`;
		case 'EROFS':
			return `the file system is read-only; ${ELSEWHERE}.`;
		case 'ENOSPC':
		case 'EDQUOT':
			return 'the disk (or your quota) is full; free some space and try again. The session on disk is unchanged.';
		case 'ENOENT':
			return `${where} does not exist and cannot be created; create it, ${ELSEWHERE}.`;
		case 'ENOTDIR':
			return `a file stands where a directory should be on the way to ${dir}; move it, ${ELSEWHERE}.`;
		case 'EISDIR':
			return `a directory stands where a file should be; remove ${where}.`;
		case 'EMFILE':
		case 'ENFILE':
			return 'too many open files; close some, or raise the limit (ulimit -n), and try again.';
		case 'EIO':
			return 'the device reported an I/O error; check the disk, then try again.';
		case 'ELOOP':
			return `${where} is a symbolic link, which the store never follows; remove it (\`rm ${where}\`) and check who put it there.`;
		default:
			return `check ${dir}, then try again.`;
	}
}

/** Any failure of a store call as a {@link StoreError}: one already is; an errno error gets its advice. */
export function asFileStoreError(error: unknown, doing: string, dir: string): StoreError {
	if (error instanceof StoreError) return error;
	if (isErrnoError(error)) return ioStoreError(error, doing, dir);
	if (error instanceof DOMException && error.name === 'TimeoutError') {
		return new StoreError(`${error.message} (while ${doing})`, { store: storeLabel(dir), cause: error });
	}
	const said = error instanceof Error && error.message ? `: ${error.message}` : '';
	return new StoreError(`The file store failed while ${doing}${said}. Check ${dir}, then try again.`, {
		store: storeLabel(dir),
		cause: error,
	});
}

/**
 * A session file, or the directory, that others may read or change. Refused, never read, as ssh refuses a private key
 * that others can read: the message names the exact `chmod` that fixes it.
 */
export function tooOpenError(target: string, mode: number, kind: 'file' | 'directory', dir: string): StoreError {
	const octal = (mode & 0o777).toString(8).padStart(4, '0');
	const fix = kind === 'file' ? `chmod 600 ${target}` : `chmod 700 ${target}`;
	const what = kind === 'file' ? 'session file' : 'session directory';
	return new StoreError(
		`Permissions ${octal} on the ${what} ${target} are too open: group or others can get at the tokens. ` +
			`Run \`${fix}\` (and revoke the session if others may have read it).`,
		{ store: storeLabel(dir) },
	);
}

/**
 * A session file, or the directory, owned by another user than this process's: refused whatever its mode, as ssh's
 * StrictModes refuses another user's `authorized_keys`. Its owner could read and replace the tokens in it (root with
 * a kept `HOME`, a shared `TOKENKEEPER_HOME`). The message says how to get a place of your own.
 */
export function notYoursError(target: string, owner: number, you: number, kind: 'file' | 'directory', dir: string): StoreError {
	const whose = `owned by another user (uid ${owner}; you are uid ${you})`;
	const message =
		kind === 'file'
			? `The session file ${target} is ${whose}: it is not a session you made, and its owner can read and replace it. ` +
				`Remove it (\`rm ${target}\`) and log in again.`
			: `The session directory ${target} is ${whose}: its owner can read and replace every token in it. ` +
				`Point the store at a directory of your own (the \`dir\` option, or TOKENKEEPER_HOME; under sudo, \`sudo -H\` uses the target user's home).`;
	return new StoreError(message, { store: storeLabel(dir) });
}

/** Why a session file cannot be used, as `file-format.ts` finds it. */
export type SessionFileProblem =
	| { readonly kind: 'not-json' }
	| { readonly kind: 'foreign' }
	| { readonly kind: 'newer'; readonly version: number }
	| { readonly kind: 'damaged'; readonly detail: string }
	| { readonly kind: 'other-key' }
	| { readonly kind: 'not-a-file' }
	| { readonly kind: 'link' };

function describeProblem(problem: SessionFileProblem, file: string): string {
	switch (problem.kind) {
		case 'not-json':
			return `The session file ${file} is not valid JSON (damaged, or edited by hand)`;
		case 'foreign':
			return `${file} is not a tokenkeeper session file (another program's, or edited by hand)`;
		case 'newer':
			return `The session file ${file} was written by a newer tokenkeeper (format ${problem.version}; this one reads format 1)`;
		case 'damaged':
			return `The session file ${file} is damaged (${problem.detail})`;
		case 'other-key':
			return `The session file ${file} holds another session than its name says (copied or renamed by hand)`;
		case 'not-a-file':
			return `${file} is not a regular file`;
		case 'link':
			return `${file} is a symbolic link, which the store never follows (it could lead to another user's tokens, or to a file of yours)`;
	}
}

/**
 * A session file the store cannot use. Never a stack trace of a parser, and never the file's content (it may hold a
 * token): the path, and what to do. A new token set for the session moves the file aside first, never over it.
 */
export function unusableFileError(problem: SessionFileProblem, file: string, dir: string): StoreError {
	return new StoreError(
		`${describeProblem(problem, file)}. Delete it (\`rm ${file}\`, or \`tokenkeeper logout\` for this session) and log in ` +
			`again; a new login moves it aside to ${file}.corrupt-<time> instead of overwriting it.`,
		{ store: storeLabel(dir) },
	);
}
