import path from 'node:path';
import { markStoreKind } from '../../diagnostics/store-kind.js';
import {
	invalidOption,
	requireFunction,
	requirePositive,
	requirePositiveTimerDelay,
	requireString,
	requireTimerDelay,
} from '../../options.js';
import { lastExpiry, type TokenSet } from '../../token-set.js';
import { asFileStoreError } from './errors.js';
import { readDpopKey, requireMeta, type SessionDpopKey, type SessionEntry, type SessionMeta } from './format.js';
import {
	FILE_SYSTEM,
	isErrnoError,
	nodeFileSystem,
	removeFile,
	removeLeftovers,
	unlessMissing,
	type FileStoreSeams,
	type FileSystem,
} from './io.js';
import { withFileLock } from './lock.js';
import { checkPrivateDirectory, defaultSessionDir, ensurePrivateDirectory, sessionFileName } from './paths.js';
import {
	inspectSessionFile,
	listSessionFiles,
	moveAside,
	writeSessionFile,
	type FileSession,
	type UnreadableSessionFile,
} from './session-file.js';
import { sameTokenSet, type TokenStore, type TokenStoreLockOptions, type TokenStoreSetOptions } from '../store.js';

/** Options of {@link FileTokenStore}. */
export interface FileTokenStoreOptions {
	/** The sessions' directory. Default: {@link defaultSessionDir} (`$TOKENKEEPER_HOME`, else `~/.config/tokenkeeper`…). */
	readonly dir?: string | undefined;
	/** Lease of a session's lock file, in ms: a crashed holder blocks the session at most this long. Default 10 000. */
	readonly lockTtl?: number | undefined;
	/** Longest wait for a session's lock, in ms; then `withLock` rejects with a `TimeoutError`. Default 60 000. */
	readonly lockWaitTimeout?: number | undefined;
	/** How long the server accepts a refresh token, in ms, when you know it: as for `RedisTokenStore`. */
	readonly refreshTokenTtl?: number | undefined;
	/** The clock for entry expiry, in epoch ms. Default `Date.now`. Locks always use the wall clock all processes share. */
	readonly now?: (() => number) | undefined;
}

/** Options of {@link FileTokenStore.set}. */
export interface FileTokenStoreSetOptions extends TokenStoreSetOptions {
	/**
	 * Non-secret fields to keep next to the session (provider, URL, client id, a salted slow hash of a secret, never the
	 * secret): replaces what was there. Default: keep the session's current `meta`.
	 */
	readonly meta?: SessionMeta | undefined;
	/**
	 * The DPoP key the new tokens are bound to (a private JWK: a secret), written with them in one step, so that no
	 * reader sees the new tokens beside the old key. Default: keep the session's current key.
	 */
	readonly dpopKey?: SessionDpopKey | undefined;
}

/** An entry without a refresh token is kept this long past its access token's expiry (as in Redis). */
const EXPIRY_MARGIN = 60_000;

function requireDpopKey(dpopKey: SessionDpopKey): SessionDpopKey {
	const checked = readDpopKey(dpopKey);
	// Never shown: a private key.
	if (checked === undefined) throw invalidOption('dpopKey', 'an EC P-256 private JWK', dpopKey);
	return checked;
}

/**
 * A {@link TokenStore} in files, for scripts and the CLI: one file per session, readable by you only, written
 * atomically, with a lock between the processes of one machine so that one token request at a time runs per session
 * (DESIGN rule 8). The directory and every session file must be yours, and a link at a session's path is never
 * followed. Node only; on Windows neither modes nor owners are set or checked. Token sets are written in full
 * (that is the point) and never to a log or an error message.
 * @example
 * import { FileTokenStore } from 'tokenkeeper/file';
 * const store = new FileTokenStore(); // ~/.config/tokenkeeper, or $TOKENKEEPER_HOME
 * const tokens = createTokenManager(dotkernel({ url, clientId, clientSecret, credentials, username }), { store });
 */
export class FileTokenStore implements TokenStore {
	/** The sessions' directory, absolute. */
	readonly dir: string;
	readonly #fs: FileSystem;
	readonly #lockTtl: number;
	readonly #lockWaitTimeout: number;
	readonly #refreshTokenTtl: number | undefined;
	readonly #now: () => number;

	constructor(options: FileTokenStoreOptions = {}) {
		const given = options ?? {};
		this.dir = path.resolve(requireString(given.dir ?? defaultSessionDir(), 'dir'));
		this.#fs = (given as FileStoreSeams)[FILE_SYSTEM] ?? nodeFileSystem;
		this.#lockTtl = requirePositiveTimerDelay(given.lockTtl ?? 10_000, 'lockTtl');
		this.#lockWaitTimeout = requireTimerDelay(given.lockWaitTimeout ?? 60_000, 'lockWaitTimeout');
		this.#refreshTokenTtl = given.refreshTokenTtl === undefined ? undefined : requirePositive(given.refreshTokenTtl, 'refreshTokenTtl');
		this.#now = requireFunction(given.now ?? Date.now, 'now', 'a function returning epoch ms');
		markStoreKind(this, 'file');
	}

	/** The session's token set, or `undefined` (none, or expired). A damaged or too open file rejects with a `StoreError`. */
	async get(key: string): Promise<TokenSet | undefined> {
		return (await this.#read(key))?.tokenSet;
	}

	/** The session's non-secret `meta`, or `undefined` when it has none or there is no session. */
	async getMeta(key: string): Promise<SessionMeta | undefined> {
		return (await this.#read(key))?.meta;
	}

	/** Store a token set losslessly, with an expiry a little past its own (as in Redis); a damaged file is moved aside first. */
	async set(key: string, tokenSet: TokenSet, options: FileTokenStoreSetOptions = {}): Promise<void> {
		const ttl = options.ttl === undefined ? this.#ttlFor(tokenSet) : requirePositive(options.ttl, 'ttl');
		const meta = options.meta === undefined ? undefined : requireMeta(options.meta);
		const dpopKey = options.dpopKey === undefined ? undefined : requireDpopKey(options.dpopKey);
		await this.#mutate(key, 'writing the session', async (file) => {
			const current = await this.#current(file, { moveAsideUnusable: true });
			// What the session keeps beside its tokens (meta, its DPoP key) stays with the new ones unless replaced.
			await writeSessionFile(this.#fs, file, {
				...current,
				key,
				tokenSet,
				keepUntil: this.#keepUntil(ttl),
				meta: meta ?? current?.meta,
				dpopKey: dpopKey ?? current?.dpopKey,
			});
		});
	}

	/** The session's DPoP key (a private JWK: a secret, never log it), or `undefined` when it has none. */
	async getDpopKey(key: string): Promise<SessionDpopKey | undefined> {
		return (await this.#read(key))?.dpopKey;
	}

	/**
	 * Keep `dpopKey` with the session's tokens, in its 0600 file (`undefined` removes it); resolves `false` (and writes
	 * nothing) when there is no session. Processes sharing the file share the key, as they must share it (RFC 9449).
	 */
	async setDpopKey(key: string, dpopKey: SessionDpopKey | undefined): Promise<boolean> {
		return this.#amend(key, { dpopKey: dpopKey === undefined ? undefined : requireDpopKey(dpopKey) });
	}

	/** Replace the session's `meta`, keeping its tokens; resolves `false` (and writes nothing) when there is no session. */
	async setMeta(key: string, meta: SessionMeta): Promise<boolean> {
		return this.#amend(key, { meta: requireMeta(meta) });
	}

	/** Rewrite the session's file with `change`, its tokens kept; `false` (and nothing written) when there is none. */
	#amend(key: string, change: Pick<SessionEntry, 'meta'> | Pick<SessionEntry, 'dpopKey'>): Promise<boolean> {
		return this.#mutate(key, 'writing the session', async (file) => {
			const current = await this.#current(file, { moveAsideUnusable: false });
			if (current === undefined) return false;
			await writeSessionFile(this.#fs, file, { ...current, ...change });
			return true;
		});
	}

	/** Forget the session: its file, and anything a writer killed mid-write left behind. Works on a damaged file too. */
	async delete(key: string): Promise<void> {
		await this.#guard('deleting the session', async () => {
			if ((await unlessMissing(() => this.#fs.stat(this.dir))) === undefined) return;
			await this.#withWriteLock(key, async (file) => {
				await removeFile(this.#fs, file);
				await removeLeftovers(this.#fs, file);
			});
		});
	}

	async compareAndSet(key: string, expected: TokenSet | undefined, next: TokenSet | undefined): Promise<boolean> {
		const ttl = next === undefined ? undefined : this.#ttlFor(next);
		return this.#mutate(key, 'replacing the session', async (file) => {
			const current = await this.#current(file, { moveAsideUnusable: false });
			if (!sameTokenSet(current?.tokenSet, expected)) return false;
			if (next === undefined) await removeFile(this.#fs, file);
			else await writeSessionFile(this.#fs, file, { ...current, key, tokenSet: next, keepUntil: this.#keepUntil(ttl) });
			return true;
		});
	}

	/**
	 * Run `fn` holding this session's lock across the processes of this machine. A crashed holder blocks the session at
	 * most `lockTtl`; a live one keeps renewing up to `options.ttl`. Waiters back off and honour `signal`.
	 */
	async withLock<T>(key: string, fn: () => Promise<T>, options: TokenStoreLockOptions = {}): Promise<T> {
		const maxHold = options.ttl === undefined ? undefined : requirePositiveTimerDelay(options.ttl, 'ttl');
		options.signal?.throwIfAborted();
		await this.#guard('taking the session lock', () => ensurePrivateDirectory(this.#fs, this.dir));
		let inside = false;
		const run = () => {
			inside = true;
			return fn();
		};
		const lockOptions = { lease: this.#lockTtl, maxHold, waitTimeout: this.#lockWaitTimeout, signal: options.signal };
		try {
			return await withFileLock(this.#fs, this.#sibling(key, 'lock'), run, lockOptions);
		} catch (error) {
			// fn's own error, the caller's abort and the wait's timeout pass through as they are, as with Redis.
			if (inside || options.signal?.aborted || !isErrnoError(error)) throw error;
			throw asFileStoreError(error, 'taking the session lock', this.dir);
		}
	}

	/** Every live session in the directory, for a `sessions` command: files it cannot use are listed with their error. */
	async list(): Promise<Array<FileSession | UnreadableSessionFile>> {
		return this.#guard('listing the sessions', async () => {
			if (!(await checkPrivateDirectory(this.#fs, this.dir))) return [];
			return listSessionFiles(this.#fs, this.dir, (entry) => this.#isLive(entry));
		});
	}

	/** The live entry, without a lock: a rename replaces a file whole, so a reader sees the old one or the new one. */
	async #read(key: string): Promise<SessionEntry | undefined> {
		return this.#guard('reading the session', async () => {
			if (!(await checkPrivateDirectory(this.#fs, this.dir))) return undefined;
			const file = this.#sibling(key, 'json');
			const state = await inspectSessionFile(this.#fs, file, this.dir);
			if (state.kind === 'unusable') throw state.error;
			if (state.kind === 'none') return undefined;
			if (this.#isLive(state.entry)) return state.entry;
			await this.#removeExpired(key);
			return undefined;
		});
	}

	/** Under the write lock: the live entry. An unusable file is refused, or moved aside when a new token set replaces it. */
	async #current(file: string, options: { readonly moveAsideUnusable: boolean }): Promise<SessionEntry | undefined> {
		const state = await inspectSessionFile(this.#fs, file, this.dir);
		if (state.kind === 'entry') return this.#isLive(state.entry) ? state.entry : undefined;
		if (state.kind === 'unusable') {
			if (!options.moveAsideUnusable) throw state.error;
			await moveAside(this.#fs, file, this.#now());
		}
		return undefined;
	}

	/** A mutation: the directory made private, then `work` under the session's write lock (one writer at a time). */
	async #mutate<T>(key: string, doing: string, work: (file: string) => Promise<T>): Promise<T> {
		return this.#guard(doing, async () => {
			await ensurePrivateDirectory(this.#fs, this.dir);
			return this.#withWriteLock(key, work);
		});
	}

	/**
	 * The write lock, apart from `withLock`'s (a token request holds that one while it writes): read, compare and
	 * replace as one step across processes, which compareAndSet and keeping `meta` need.
	 */
	async #withWriteLock<T>(key: string, work: (file: string) => Promise<T>, waitTimeout = this.#lockWaitTimeout): Promise<T> {
		const options = { lease: this.#lockTtl, maxHold: undefined, waitTimeout, signal: undefined };
		return withFileLock(this.#fs, this.#sibling(key, 'write.lock'), () => work(this.#sibling(key, 'json')), options);
	}

	/** An expired file goes when no writer is busy with it (a writer may be replacing it right now: never wait, never race). */
	async #removeExpired(key: string): Promise<void> {
		await this.#withWriteLock(
			key,
			async (file) => {
				const state = await inspectSessionFile(this.#fs, file, this.dir);
				if (state.kind === 'entry' && !this.#isLive(state.entry)) await removeFile(this.#fs, file);
			},
			0,
		).catch(() => undefined);
	}

	/** `<dir>/<hash>.<suffix>`: the session file and its locks side by side. */
	#sibling(key: string, suffix: 'json' | 'lock' | 'write.lock'): string {
		return path.join(this.dir, sessionFileName(key).replace(/json$/, suffix));
	}

	async #guard<T>(doing: string, work: () => Promise<T>): Promise<T> {
		try {
			return await work();
		} catch (error) {
			throw asFileStoreError(error, doing, this.dir);
		}
	}

	#isLive(entry: SessionEntry): boolean {
		return entry.keepUntil === undefined || entry.keepUntil > this.#now();
	}

	#keepUntil(ttl: number | undefined): number | undefined {
		return ttl === undefined ? undefined : this.#now() + ttl;
	}

	/** With a refresh token: its lifetime when known, else none. Without: a little past the access token's expiry. */
	#ttlFor(tokenSet: TokenSet): number | undefined {
		if (tokenSet.refreshToken !== undefined) return this.#refreshTokenTtl;
		// A session's entry of several APIs' tokens: until the last of them expires.
		const last = lastExpiry(tokenSet);
		if (last === undefined) return undefined;
		return Math.max(1, last - this.#now()) + EXPIRY_MARGIN;
	}
}
