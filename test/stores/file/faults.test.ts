import { chmodSync, constants, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, createTokenManager, dotkernel, squidex, type StoreError } from '../../../src/index.js';
import { FileTokenStore } from '../../../src/file.js';
import type { FileSystem } from '../../../src/stores/file/io.js';
import { createEmulator, type Emulator } from '../../../src/testing/index.js';
import {
	createScratch,
	errnoError,
	failure,
	otherFiles,
	realFileSystem,
	sessionPath,
	storeWithFileSystem,
	tokens,
} from '../../_helpers/file-store.js';

const scratch = createScratch('tokenkeeper-file-faults-');
afterAll(() => scratch.remove());

/** A directory holding one session `k` (tokens `previous`), and a store on it. */
async function dirWithSession(): Promise<{ dir: string; file: string; store: FileTokenStore }> {
	const dir = scratch.newDir();
	const store = new FileTokenStore({ dir });
	await store.set('k', tokens('previous'));
	return { dir, file: sessionPath(dir, 'k'), store };
}

function expectOneLine(error: StoreError, dir: string): void {
	expect(error.code).toBe('ERR_STORE');
	expect(error.store).toBe(`file store at ${dir}`);
	expect(error.message).not.toContain('\n');
}

describe('FileTokenStore faults: the directory', () => {
	it('missing home: a directory under a path that cannot be created (a file in the way) -> StoreError ENOTDIR on write, read, lock; get of a missing dir -> undefined', async () => {
		const blocker = join(scratch.root, 'not-a-directory');
		writeFileSync(blocker, '');
		const dir = join(blocker, 'home', '.config', 'tokenkeeper');
		const store = new FileTokenStore({ dir });
		for (const attempt of [
			() => store.set('k', tokens('a')),
			() => store.get('k'),
			() => store.withLock('k', async () => 'never'),
			() => store.list(),
		]) {
			const error = await failure(attempt);
			expectOneLine(error, dir);
			expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
			expect(error.message).toMatch(
				/a file stands where a directory should be.*move it, or point the store elsewhere \(the `dir` option, or TOKENKEEPER_HOME\)/,
			);
		}
		expect(await new FileTokenStore({ dir: join(scratch.root, 'never-created') }).get('k')).toBeUndefined();
	});

	it('a manager on that store still gets its token (client credentials bypass the store) and reports ERR_STORE once per failed write', async () => {
		const emulator: Emulator = await createEmulator();
		try {
			const blocker = join(scratch.root, 'blocker-for-manager');
			writeFileSync(blocker, '');
			const manager = createTokenManager(squidex(emulator.credentials.squidex), { store: new FileTokenStore({ dir: join(blocker, 'x') }) });
			const errors: unknown[] = [];
			manager.on('error', ({ error }) => errors.push(error));
			expect((await manager.getToken()).accessToken).toBeTruthy();
			expect(errors.map((error) => (error as StoreError).code)).toEqual(['ERR_STORE']);
		} finally {
			await emulator.close();
		}
	});

	it('a read-only directory (chmod 500; as root, where chmod stops nothing, the EACCES the kernel gives others): write, lock and delete fail with the fix; the session reads back intact; nothing left behind', async () => {
		const { dir, store } = await dirWithSession();
		chmodSync(dir, 0o500);
		try {
			let readOnly: FileTokenStore = store;
			// Root writes through mode bits: answer as the kernel answers everyone else for a 0500 directory.
			if (canWriteInto(dir)) readOnly = storeWithFileSystem(refusingWritesIn(dir, 'EACCES'), { dir });
			for (const attempt of [
				() => readOnly.set('k', tokens('next')),
				() => readOnly.withLock('k', async () => 'never'),
				() => readOnly.delete('k'),
			]) {
				const error = await failure(attempt);
				expectOneLine(error, dir);
				expect((error.cause as NodeJS.ErrnoException).code).toBe('EACCES');
				expect(error.message).toContain(`permission denied; make ${dir} yours and writable (chmod 700 ${dir})`);
			}
			expect((await readOnly.get('k'))?.accessToken).toBe('previous');
		} finally {
			chmodSync(dir, 0o700);
		}
		expect(otherFiles(dir)).toEqual([]);
	});

	it('a read-only file system (EROFS): StoreError saying so, the session intact', async () => {
		const { dir } = await dirWithSession();
		const store = storeWithFileSystem(refusingWritesIn(dir, 'EROFS'), { dir });
		const error = await failure(() => store.set('k', tokens('next')));
		expectOneLine(error, dir);
		expect(error.message).toMatch(/the file system is read-only; or point the store elsewhere/);
		expect((await store.get('k'))?.accessToken).toBe('previous');
	});

	it('a full disk during the write (ENOSPC after half the bytes): StoreError saying so, the previous session intact, no temporary file left', async () => {
		const { dir, file } = await dirWithSession();
		const before = readFileSync(file, 'utf8');
		const full: FileSystem = {
			...realFileSystem,
			open: (async (path: string, flags?: string, mode?: number) => {
				const handle = await realFileSystem.open(path, flags, mode);
				if (!String(path).includes('.tmp-')) return handle;
				// The disk fills up halfway through the temporary file, as a real one would.
				return Object.assign(Object.create(handle), {
					writeFile: async (data: string) => {
						await handle.write(data.slice(0, data.length / 2));
						throw errnoError('ENOSPC', 'write', path);
					},
				});
			}) as FileSystem['open'],
		};
		const store = storeWithFileSystem(full, { dir });
		const error = await failure(() => store.set('k', tokens('next'), { meta: { blob: 'x'.repeat(100_000) } }));
		expectOneLine(error, dir);
		expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
		expect(error.message).toContain('the disk (or your quota) is full; free some space and try again. The session on disk is unchanged.');
		expect(readFileSync(file, 'utf8')).toBe(before);
		expect((await store.get('k'))?.accessToken).toBe('previous');
		expect(otherFiles(dir)).toEqual([]);
	});
});

describe('FileTokenStore faults: the session file', () => {
	const damaged: Array<[string, string, RegExp]> = [
		[
			'edited into nonsense',
			'{ "v": 1, "key": "k", "tokens": { "accessToken": "secret-tok',
			/is not valid JSON \(damaged, or edited by hand\)/,
		],
		["another program's JSON", '{ "name": "my-app", "version": "1.0.0" }\n', /is not a tokenkeeper session file/],
		[
			'a newer format',
			'{ "v": 2, "key": "k", "tokens": {} }\n',
			/was written by a newer tokenkeeper \(format 2; this one reads format 1\)/,
		],
		['format 1 without tokens', '{ "v": 1, "key": "k", "tokens": { "tokenType": "Bearer" } }\n', /is damaged \(no access token\)/],
	];
	for (const [what, content, said] of damaged) {
		it(`${what}: get, compareAndSet and list report it (path, what to do), never the parser's message; set moves it aside, then writes`, async () => {
			const { dir, file, store } = await dirWithSession();
			writeFileSync(file, content, { mode: 0o600 });
			for (const attempt of [() => store.get('k'), () => store.getMeta('k'), () => store.compareAndSet('k', undefined, tokens('x'))]) {
				const error = await failure(attempt);
				expectOneLine(error, dir);
				expect(error.message).toMatch(said);
				expect(error.message).toContain(`Delete it (\`rm ${file}\`, or \`tokenkeeper logout\` for this session)`);
				expect(error.message).toContain(`moves it aside to ${file}.corrupt-<time>`);
				expect(error.message).not.toMatch(/Unexpected|JSON\.parse|secret-tok/);
				expect(error.cause).toBeUndefined();
			}
			const listed = await store.list();
			expect(listed).toEqual([{ file, error: expect.objectContaining({ code: 'ERR_STORE' }) }]);

			await store.set('k', tokens('fresh'));
			expect((await store.get('k'))?.accessToken).toBe('fresh');
			const asides = readdirSync(dir).filter((name) => name.includes('.corrupt-'));
			expect(asides).toHaveLength(1);
			expect(readFileSync(join(dir, asides[0]!), 'utf8')).toBe(content);
			expect((await store.list()).map((entry) => ('key' in entry ? entry.key : entry.error.message))).toEqual(['k']);
		});
	}

	it("a session file copied by hand under another key's name is refused, not answered for that key; delete removes it (logout)", async () => {
		const { dir, file, store } = await dirWithSession();
		copyFileSync(file, sessionPath(dir, 'other'));
		const error = await failure(() => store.get('other'));
		expect(error.message).toMatch(/holds another session than its name says/);
		await store.delete('other');
		expect(await store.get('other')).toBeUndefined();
		expect((await store.get('k'))?.accessToken).toBe('previous');
	});

	it('a group-readable session file (0640) is refused with `chmod 600 <file>`, never read nor overwritten; fixed, it reads', async () => {
		const { dir, file, store } = await dirWithSession();
		chmodSync(file, 0o640);
		const before = readFileSync(file, 'utf8');
		for (const attempt of [() => store.get('k'), () => store.set('k', tokens('next')), () => store.setMeta('k', { a: 'b' })]) {
			const error = await failure(attempt);
			expectOneLine(error, dir);
			expect(error.message).toBe(
				`Permissions 0640 on the session file ${file} are too open: group or others can get at the tokens. Run \`chmod 600 ${file}\` (and revoke the session if others may have read it).`,
			);
		}
		expect(await store.list()).toEqual([
			{ file, error: expect.objectContaining({ message: expect.stringContaining(`chmod 600 ${file}`) }) },
		]);
		expect(readFileSync(file, 'utf8')).toBe(before);
		chmodSync(file, 0o600);
		expect((await store.get('k'))?.accessToken).toBe('previous');
	});

	it('a directory others can enter or read (0750, 0711) is refused with `chmod 700 <dir>`; delete still works', async () => {
		for (const mode of [0o750, 0o711]) {
			const { dir, store } = await dirWithSession();
			chmodSync(dir, mode);
			for (const attempt of [
				() => store.get('k'),
				() => store.set('k', tokens('next')),
				() => store.list(),
				() => store.withLock('k', async () => 'never'),
			]) {
				const error = await failure(attempt);
				expect(error.message).toContain(`on the session directory ${dir} are too open`);
				expect(error.message).toContain(`Run \`chmod 700 ${dir}\``);
			}
			await store.delete('k');
			chmodSync(dir, 0o700);
			expect(await store.get('k')).toBeUndefined();
		}
	});

	it("two users' sessions under one client id (Dotkernel, `username` in the key): two files, each API call as its own user, each refresh its own", async () => {
		const users = [
			{ username: 'alice@example.net', password: 'alice-password', role: 'user' as const },
			{ username: 'bob@example.net', password: 'bob-password', role: 'user' as const },
		];
		const emulator = await createEmulator({ dotkernel: { users } });
		try {
			const dir = scratch.newDir();
			const { url, clientId, clientSecret } = emulator.credentials.dotkernel;
			// One store per user, as two processes (or two CLI runs) open the same directory.
			const apis = users.map(({ username, password }) =>
				createClient({
					prefixUrl: `${url}/`,
					retry: 0,
					auth: createTokenManager(
						dotkernel({ url, clientId, clientSecret, username, credentials: async () => ({ username, password }) }),
						{
							store: new FileTokenStore({ dir }),
						},
					),
				}),
			);
			const whoAmI = () => Promise.all(apis.map((api) => api.get('user/my-account').json<{ identity: string }>()));
			expect((await whoAmI()).map((account) => account.identity)).toEqual(['alice@example.net', 'bob@example.net']);
			emulator.expireAllTokens();
			emulator.resetCounters();
			expect((await whoAmI()).map((account) => account.identity)).toEqual(['alice@example.net', 'bob@example.net']);
			expect(emulator.counters().tokenRequests).toMatchObject({ refresh_token: 2, password: 0 });
			expect(emulator.counters().refreshTokenReuse).toBe(0);
			const listed = await new FileTokenStore({ dir }).list();
			expect(listed.map((entry) => ('key' in entry ? entry.key : entry.error.message)).sort()).toEqual([
				expect.stringContaining('alice@example.net'),
				expect.stringContaining('bob@example.net'),
			]);
		} finally {
			await emulator.close();
		}
	});

	it('a directory where the session file should be -> StoreError naming it', async () => {
		const dir = scratch.newDir();
		mkdirSync(sessionPath(dir, 'k'), { recursive: true });
		chmodSync(dir, 0o700);
		const error = await failure(() => new FileTokenStore({ dir }).get('k'));
		expect(error.message).toMatch(/is not a regular file/);
		rmSync(sessionPath(dir, 'k'), { recursive: true });
	});
});

/** Whether this process can create a file in `dir` despite its mode (root can). */
function canWriteInto(dir: string): boolean {
	const probe = join(dir, '.probe');
	try {
		writeFileSync(probe, '');
		rmSync(probe);
		return true;
	} catch {
		return false;
	}
}

/** Whether `open` flags (`'r'`, `'wx'`, or numbers such as the store's O_RDONLY|O_NOFOLLOW) may change the file. */
function opensForWriting(flags: string | number | undefined): boolean {
	if (typeof flags === 'number') return (flags & (constants.O_WRONLY | constants.O_RDWR | constants.O_CREAT)) !== 0;
	return flags !== undefined && flags !== 'r';
}

/** The real file system, except that everything that would change `dir` fails with `code`, as the kernel answers. */
function refusingWritesIn(dir: string, code: string): FileSystem {
	const inside = (path: unknown) => String(path).startsWith(dir);
	const refuse = (syscall: string, path: unknown) => Promise.reject(errnoError(code, syscall, String(path)));
	return {
		...realFileSystem,
		open: ((path: string, flags?: string | number, mode?: number) =>
			inside(path) && opensForWriting(flags) ? refuse('open', path) : realFileSystem.open(path, flags, mode)) as FileSystem['open'],
		mkdir: ((path: string, options?: object) =>
			path === dir ? refuse('mkdir', path) : realFileSystem.mkdir(path, options as never)) as FileSystem['mkdir'],
		rename: (from, to) => (inside(to) ? refuse('rename', from) : realFileSystem.rename(from, to)),
		unlink: (path) => (inside(path) ? refuse('unlink', path) : realFileSystem.unlink(path)),
		chmod: (path, mode) => (inside(path) ? refuse('chmod', path) : realFileSystem.chmod(path, mode)),
	};
}
