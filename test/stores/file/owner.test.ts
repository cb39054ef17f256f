import { chownSync, existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../../src/file.js';
import type { FileSystem } from '../../../src/stores/file/io.js';
import { createScratch, failure, plantLock, realFileSystem, sessionPath, storeWithFileSystem, tokens } from '../../_helpers/file-store.js';

/**
 * Only your own files, never through a link: the session directory and every session file must belong to the user
 * the process runs as (as ssh's StrictModes requires), and a symbolic link at a session's or a lock's path is never
 * followed (O_NOFOLLOW). As root (CI) the files really are given to another uid; as another user, who cannot chown,
 * the file system seam reports the uid the kernel would.
 */
const scratch = createScratch('tokenkeeper-file-owner-');
afterAll(() => scratch.remove());

const YOU = process.getuid?.() ?? 0;
const ANOTHER = YOU === 12_345 ? 12_346 : 12_345;

/**
 * A store on `dir` to which `target` belongs to another user: really (chown, as root), or as the seam reports it
 * (`stat` and an open handle's `stat` answer another uid), where this process cannot give a file away.
 */
function storeWhereAnotherOwns(dir: string, target: string): FileTokenStore {
	if (YOU === 0) {
		chownSync(target, ANOTHER, ANOTHER);
		return new FileTokenStore({ dir });
	}
	const asAnother = <T extends { uid: number }>(stat: T): T => Object.assign(Object.create(stat) as T, { uid: ANOTHER });
	const fs: FileSystem = {
		...realFileSystem,
		stat: (async (path: string) => {
			const stat = await realFileSystem.stat(path);
			return path === target ? asAnother(stat) : stat;
		}) as FileSystem['stat'],
		open: (async (path: string, flags?: string | number, mode?: number) => {
			const handle = await realFileSystem.open(path, flags, mode);
			if (path !== target) return handle;
			return Object.assign(Object.create(handle) as FileHandle, { stat: async () => asAnother(await handle.stat()) });
		}) as FileSystem['open'],
	};
	return storeWithFileSystem(fs, { dir });
}

/** A directory holding one session `k` (tokens `previous`), and its file. */
async function dirWithSession(): Promise<{ dir: string; file: string }> {
	const dir = scratch.newDir();
	await new FileTokenStore({ dir }).set('k', tokens('previous'));
	return { dir, file: sessionPath(dir, 'k') };
}

describe('FileTokenStore: only your own files', () => {
	it("a session file owned by another user (0600) is refused with its path, the owner's uid and `rm <file>`; never read nor overwritten; list reports it; delete removes it", async () => {
		const { dir, file } = await dirWithSession();
		const store = storeWhereAnotherOwns(dir, file);
		const before = readFileSync(file, 'utf8');
		for (const attempt of [() => store.get('k'), () => store.set('k', tokens('next')), () => store.setMeta('k', { a: 'b' })]) {
			const error = await failure(attempt);
			expect(error.code).toBe('ERR_STORE');
			expect(error.message).toBe(
				`The session file ${file} is owned by another user (uid ${ANOTHER}; you are uid ${YOU}): it is not a session you made, ` +
					`and its owner can read and replace it. Remove it (\`rm ${file}\`) and log in again.`,
			);
		}
		expect(await store.list()).toEqual([{ file, error: expect.objectContaining({ message: expect.stringContaining(`rm ${file}`) }) }]);
		expect(readFileSync(file, 'utf8')).toBe(before);
		await store.delete('k');
		expect(existsSync(file)).toBe(false);
	});

	it('a session directory owned by another user (0700) is refused for get, set, list and withLock, naming it and TOKENKEEPER_HOME', async () => {
		const { dir } = await dirWithSession();
		const store = storeWhereAnotherOwns(dir, dir);
		for (const attempt of [
			() => store.get('k'),
			() => store.set('k', tokens('next')),
			() => store.list(),
			() => store.withLock('k', async () => 'never'),
		]) {
			const error = await failure(attempt);
			expect(error.message).toBe(
				`The session directory ${dir} is owned by another user (uid ${ANOTHER}; you are uid ${YOU}): its owner can read and replace ` +
					'every token in it. Point the store at a directory of your own (the `dir` option, or TOKENKEEPER_HOME; under sudo, ' +
					"`sudo -H` uses the target user's home).",
			);
		}
	});
});

describe('FileTokenStore: never through a link', () => {
	it("a symbolic link at a session's path is never followed: get, getMeta and list refuse it with `rm <file>`; set moves the link aside (its target untouched) and writes a file", async () => {
		const dir = scratch.newDir();
		// Elsewhere, a valid session for the same key: what a link would make this store answer with.
		const elsewhere = scratch.newDir();
		await new FileTokenStore({ dir: elsewhere }).set('k', tokens('planted'), { meta: { provider: 'planted' } });
		const target = sessionPath(elsewhere, 'k');
		const targetText = readFileSync(target, 'utf8');
		const store = new FileTokenStore({ dir });
		await store.set('other', tokens('other'));
		const file = sessionPath(dir, 'k');
		symlinkSync(target, file);

		for (const attempt of [() => store.get('k'), () => store.getMeta('k'), () => store.compareAndSet('k', undefined, tokens('x'))]) {
			const error = await failure(attempt);
			expect(error.message).toContain(`${file} is a symbolic link, which the store never follows`);
			expect(error.message).toContain(`Delete it (\`rm ${file}\``);
			expect(error.message).not.toContain('planted');
		}
		expect((await store.list()).map((entry) => ('key' in entry ? entry.key : entry.error.message))).toEqual(
			expect.arrayContaining(['other', expect.stringContaining(`${file} is a symbolic link`)]),
		);

		await store.set('k', tokens('fresh'));
		expect(lstatSync(file).isSymbolicLink()).toBe(false);
		expect((await store.get('k'))?.accessToken).toBe('fresh');
		expect(readFileSync(target, 'utf8')).toBe(targetText);
		const asides = readdirSync(dir).filter((name) => name.includes('.corrupt-'));
		expect(asides.map((name) => lstatSync(`${dir}/${name}`).isSymbolicLink())).toEqual([true]);
	});

	it("a symbolic link at a session's lock path is never followed: withLock rejects at once with `rm <lock>`, not after waiting on what it leads to", async () => {
		const dir = scratch.newDir();
		const store = new FileTokenStore({ dir, lockWaitTimeout: 5_000 });
		await store.set('k', tokens('previous'));
		// What the link leads to looks like a live lock: followed, it would hold the store up for the whole wait.
		const target = `${scratch.newDir()}.lock`;
		plantLock(target, { expiresAt: Date.now() + 60_000 });
		const targetText = readFileSync(target, 'utf8');
		const lock = sessionPath(dir, 'k', 'lock');
		symlinkSync(target, lock);
		const started = performance.now();
		const error = await failure(() => store.withLock('k', async () => 'never'));
		expect(performance.now() - started).toBeLessThan(2_000);
		expect((error.cause as NodeJS.ErrnoException).code).toBe('ELOOP');
		expect(error.message).toContain(`${lock} is a symbolic link, which the store never follows; remove it (\`rm ${lock}\`)`);
		expect(readFileSync(target, 'utf8')).toBe(targetText);
	});
});
