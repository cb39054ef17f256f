import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import type { StoreError } from '../../errors.js';
import { notYoursError, tooOpenError } from './errors.js';
import { errnoOf, POSIX_MODES, unlessMissing, type FileOwnership, type FileSystem } from './io.js';

/** Environment variables, as `process.env` holds them. */
export type SessionDirEnv = Readonly<Record<string, string | undefined>>;

/**
 * Where sessions live unless told otherwise: `$TOKENKEEPER_HOME` when set; else `$XDG_CONFIG_HOME/tokenkeeper`
 * (an absolute `XDG_CONFIG_HOME` only, as the XDG spec says); else `~/.config/tokenkeeper`, or
 * `%APPDATA%\tokenkeeper` on Windows. Pure: reads `env`, never the disk.
 * @example
 * defaultSessionDir(); // '/home/me/.config/tokenkeeper'
 * defaultSessionDir({ TOKENKEEPER_HOME: '/srv/tokens' }); // '/srv/tokens'
 */
export function defaultSessionDir(env: SessionDirEnv = process.env, platform: string = process.platform): string {
	const paths = platform === 'win32' ? path.win32 : path.posix;
	if (env.TOKENKEEPER_HOME) return paths.resolve(env.TOKENKEEPER_HOME);
	const xdg = env.XDG_CONFIG_HOME;
	if (xdg && paths.isAbsolute(xdg)) return paths.join(xdg, 'tokenkeeper');
	if (platform === 'win32') {
		const appData = env.APPDATA || paths.join(env.USERPROFILE || homedir(), 'AppData', 'Roaming');
		return paths.join(appData, 'tokenkeeper');
	}
	return paths.join(env.HOME || homedir(), '.config', 'tokenkeeper');
}

/** Hex digits of the key's SHA-256 in a file name: 128 bits, so two keys never share a file. */
const NAME_LENGTH = 32;

/** A session file's name: `<hash>.json`. Not the key itself, which may hold characters no file system accepts. */
export function sessionFileName(key: string): string {
	return `${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, NAME_LENGTH)}.json`;
}

/** Only session files match: temporary files, locks, their claims and moved-aside files never do. */
export const SESSION_FILE_NAME = new RegExp(`^[0-9a-f]{${NAME_LENGTH}}\\.json$`);

/** Group or other bits set: the ssh rule, no access for anyone but the owner. */
export function isTooOpen(mode: number): boolean {
	return POSIX_MODES && (mode & 0o077) !== 0;
}

/**
 * Why the session directory, or a session file, cannot be trusted with this user's tokens: owned by another user
 * (checked first: no mode makes another's file yours), or open to group or others. `undefined` when it can.
 * Windows has neither owners nor modes to compare here (`process.getuid` is missing): nothing is checked there, and
 * the profile's ACLs keep `%APPDATA%` private.
 */
export function notPrivateError(target: string, ownership: FileOwnership, kind: 'file' | 'directory', dir: string): StoreError | undefined {
	const you = process.getuid?.();
	if (you !== undefined && ownership.uid !== you) return notYoursError(target, ownership.uid, you, kind, dir);
	if (isTooOpen(ownership.mode)) return tooOpenError(target, ownership.mode, kind, dir);
	return undefined;
}

/**
 * The directory, created when missing: parents with the usual mode, the directory itself 0700, set again after
 * `mkdir` because the umask may have changed it. An existing directory is checked, never changed: a mode you chose
 * is yours to fix (the error says how).
 */
export async function ensurePrivateDirectory(fs: FileSystem, dir: string): Promise<void> {
	await fs.mkdir(path.dirname(dir), { recursive: true });
	try {
		await fs.mkdir(dir, { mode: 0o700 });
		if (POSIX_MODES) await fs.chmod(dir, 0o700);
	} catch (error) {
		if (errnoOf(error) !== 'EEXIST') throw error;
	}
	await checkPrivateDirectory(fs, dir);
}

/**
 * `true` when the directory exists, is yours and only you can get in; `false` when it does not exist (no sessions
 * yet). Throws when it is another user's, too open, or not a directory. A link to the directory is followed (a
 * dotfiles repository may link `~/.config`): what is judged is the directory it leads to.
 */
export async function checkPrivateDirectory(fs: FileSystem, dir: string): Promise<boolean> {
	const stat = await unlessMissing(() => fs.stat(dir));
	if (stat === undefined) return false;
	if (!stat.isDirectory()) {
		throw Object.assign(new Error(`ENOTDIR: not a directory, stat '${dir}'`), { code: 'ENOTDIR', syscall: 'stat', path: dir });
	}
	const problem = notPrivateError(dir, stat, 'directory', dir);
	if (problem) throw problem;
	return true;
}
