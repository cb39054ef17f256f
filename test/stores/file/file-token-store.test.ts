import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenSet, isStoreError, type TokenSet } from '../../../src/index.js';
import { defaultSessionDir, FileTokenStore } from '../../../src/file.js';
import type { FileSystem } from '../../../src/stores/file/io.js';
import { sessionFileName } from '../../../src/stores/file/paths.js';
import { realFileSystem, storeWithFileSystem } from '../../_helpers/file-store.js';
import { toTokenSetRecord } from '../../../src/token-set.js';
import { describeTokenStoreConformance } from '../conformance.js';

const root = mkdtempSync(join(tmpdir(), 'tokenkeeper-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
/** A directory of its own under the test root, not created yet (the store creates it). */
function newDir(): string {
	dirCount += 1;
	return join(root, `sessions-${dirCount}`);
}

const NOW = Date.UTC(2026, 10, 23, 12);
const tokenSet = (init: Partial<Parameters<typeof createTokenSet>[0]> = {}): TokenSet =>
	createTokenSet({ accessToken: 'secret-access-token-value', expiresAt: NOW + 10_000, ...init }, NOW);
const modeOf = (path: string) => statSync(path).mode & 0o777;
const octal = (mode: number) => mode.toString(8).padStart(4, '0');

describeTokenStoreConformance(
	'file',
	{
		create: () => new FileTokenStore({ dir: newDir() }),
		// Another store on the same directory: what a second process opens.
		peer: (store) => new FileTokenStore({ dir: (store as FileTokenStore).dir }),
	},
	{ describe, it, expect, beforeEach, afterEach },
);

describe('FileTokenStore: storage', () => {
	it('one file per session, named by a hash of the key, holding { v: 1, key, keepUntil, meta, tokens } and nothing else', async () => {
		const dir = newDir();
		const store = new FileTokenStore({ dir, now: () => NOW });
		await store.set('https://id.example/token|frontend|alice', tokenSet({ refreshToken: 'secret-refresh' }), {
			meta: { provider: 'dotkernel' },
		});
		const name = sessionFileName('https://id.example/token|frontend|alice');
		expect(name).toMatch(/^[0-9a-f]{32}\.json$/);
		expect(readdirSync(dir)).toEqual([name]);
		expect(JSON.parse(readFileSync(join(dir, name), 'utf8'))).toEqual({
			v: 1,
			key: 'https://id.example/token|frontend|alice',
			meta: { provider: 'dotkernel' },
			tokens: {
				accessToken: 'secret-access-token-value',
				tokenType: 'Bearer',
				expiresAt: NOW + 10_000,
				refreshToken: 'secret-refresh',
				receivedAt: NOW,
			},
		});
	});

	it('modes on disk: directory 0700 and session files 0600, whatever the umask (000 and 0277)', async () => {
		for (const umask of [0o000, 0o277]) {
			const previous = process.umask(umask);
			try {
				const dir = newDir();
				const store = new FileTokenStore({ dir });
				await store.set('k', tokenSet());
				// The lock file holds no token; it only must not be anyone else's to write.
				await store.withLock('k', async () => {
					expect(modeOf(join(dir, sessionFileName('k').replace(/json$/, 'lock'))) & 0o077).toBe(0);
				});
				expect(octal(modeOf(dir))).toBe('0700');
				expect(octal(modeOf(join(dir, sessionFileName('k'))))).toBe('0600');
			} finally {
				process.umask(previous);
			}
		}
	});

	it('TTL without a refresh token: a little past the access token expiry (60 s margin), then get -> undefined and the file goes', async () => {
		let now = NOW;
		const dir = newDir();
		const store = new FileTokenStore({ dir, now: () => now });
		await store.set('k', tokenSet({ expiresAt: NOW + 10_000 }));
		expect(JSON.parse(readFileSync(join(dir, sessionFileName('k')), 'utf8')).keepUntil).toBe(NOW + 70_000);
		now = NOW + 69_999;
		expect(await store.get('k')).toBeDefined();
		now = NOW + 70_000;
		expect(await store.get('k')).toBeUndefined();
		expect(readdirSync(dir)).toEqual([]);
	});

	it("TTL with a refresh token: none by default, the refresh token's lifetime when known; beyond 2^31-1 ms is fine (no timer)", async () => {
		const dir = newDir();
		const keepUntil = (store: FileTokenStore) => JSON.parse(readFileSync(join(store.dir, sessionFileName('k')), 'utf8')).keepUntil;
		const unknown = new FileTokenStore({ dir, now: () => NOW });
		await unknown.set('k', tokenSet({ refreshToken: 'secret-refresh' }));
		expect(keepUntil(unknown)).toBeUndefined();
		const known = new FileTokenStore({ dir, now: () => NOW, refreshTokenTtl: 90 * 86_400_000 });
		await known.set('k', tokenSet({ refreshToken: 'secret-refresh' }));
		expect(keepUntil(known)).toBe(NOW + 90 * 86_400_000);
		// A 30-day Squidex token without a refresh token: the manager asks for ~30 days.
		await known.set('k', tokenSet({ expiresAt: NOW + 30 * 86_400_000 }), { ttl: 30 * 86_400_000 + 60_000 });
		expect(keepUntil(known)).toBe(NOW + 30 * 86_400_000 + 60_000);
	});

	it('an explicit { ttl } wins; compareAndSet applies the same TTL rules to what it writes', async () => {
		const store = new FileTokenStore({ dir: newDir(), now: () => NOW });
		const keepUntil = () => JSON.parse(readFileSync(join(store.dir, sessionFileName('k')), 'utf8')).keepUntil;
		await store.set('k', tokenSet({ refreshToken: 'secret-refresh' }), { ttl: 5_000 });
		expect(keepUntil()).toBe(NOW + 5_000);
		expect(await store.compareAndSet('k', tokenSet(), tokenSet({ accessToken: 'next', expiresAt: NOW + 1_000 }))).toBe(true);
		expect(keepUntil()).toBe(NOW + 61_000);
	});

	it('different keys never share a file: two users of one client id get two sessions, each its own', async () => {
		const store = new FileTokenStore({ dir: newDir() });
		await store.set('https://api.example.net/security/generate-token|frontend|alice@example.net', tokenSet({ accessToken: 'alice-token' }));
		await store.set('https://api.example.net/security/generate-token|frontend|bob@example.net', tokenSet({ accessToken: 'bob-token' }));
		expect((await store.get('https://api.example.net/security/generate-token|frontend|alice@example.net'))?.accessToken).toBe(
			'alice-token',
		);
		expect((await store.get('https://api.example.net/security/generate-token|frontend|bob@example.net'))?.accessToken).toBe('bob-token');
		expect(readdirSync(store.dir)).toHaveLength(2);
	});

	it('rejects bad options up front, with the option named', () => {
		expect(() => new FileTokenStore({ dir: '' })).toThrow(/`dir`/);
		expect(() => new FileTokenStore({ lockTtl: 0 })).toThrow(/`lockTtl`/);
		expect(() => new FileTokenStore({ lockTtl: 2 ** 31 })).toThrow(/2\^31-1/);
		expect(() => new FileTokenStore({ refreshTokenTtl: -1 })).toThrow(/`refreshTokenTtl`/);
		expect(() => new FileTokenStore({ now: 5 as never })).toThrow(/`now`/);
	});

	it('bad set options reject before any I/O: ttl, meta', async () => {
		const store = new FileTokenStore({ dir: newDir() });
		await expect(store.set('k', tokenSet(), { ttl: 0 })).rejects.toThrow(/`ttl`/);
		await expect(store.set('k', tokenSet(), { meta: { nested: {} } as never })).rejects.toThrow(/`meta`/);
		await expect(store.setMeta('k', { n: 1 } as never)).rejects.toThrow(/`meta`/);
	});
});

describe('FileTokenStore: meta (non-secret fields next to a session, for the CLI)', () => {
	it('set { meta } stores it; a token write without meta (the manager) keeps it; setMeta replaces it and keeps the tokens', async () => {
		const store = new FileTokenStore({ dir: newDir() });
		const meta = {
			provider: 'squidex',
			url: 'https://cloud.squidex.io',
			clientId: 'app:client',
			secretHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
		};
		await store.set('k', tokenSet({ accessToken: 'first' }), { meta });
		await store.set('k', tokenSet({ accessToken: 'second' }));
		expect(await store.compareAndSet('k', tokenSet({ accessToken: 'second' }), tokenSet({ accessToken: 'third' }))).toBe(true);
		expect(await store.getMeta('k')).toEqual(meta);
		expect(await store.setMeta('k', { ...meta, secretHash: 'scrypt$16384$8$1$bmV3$bmV3' })).toBe(true);
		expect((await store.getMeta('k'))?.secretHash).toBe('scrypt$16384$8$1$bmV3$bmV3');
		expect((await store.get('k'))?.accessToken).toBe('third');
	});

	it('set { meta, dpopKey } writes tokens, meta and key in one file write; a set without them keeps both; a key that is not an EC P-256 private JWK is refused', async () => {
		// Each write of the session file is one temporary file renamed over it: count the renames.
		let writes = 0;
		const counting: FileSystem = {
			...realFileSystem,
			rename: (from, to) => {
				writes += 1;
				return realFileSystem.rename(from, to);
			},
		};
		const store = storeWithFileSystem(counting, { dir: newDir() });
		const key = { kty: 'EC', crv: 'P-256', x: 'x-old', y: 'y-old', d: 'd-old' } as const;
		await store.set('k', tokenSet({ accessToken: 'old' }), { meta: { secretHash: 'old' }, dpopKey: key });
		const replacement = { ...key, x: 'x-new', y: 'y-new', d: 'd-new' };
		writes = 0;
		await store.set('k', tokenSet({ accessToken: 'new' }), { meta: { secretHash: 'new' }, dpopKey: replacement });
		expect(writes).toBe(1);
		expect({ token: (await store.get('k'))?.accessToken, meta: await store.getMeta('k'), key: await store.getDpopKey('k') }).toEqual({
			token: 'new',
			meta: { secretHash: 'new' },
			key: replacement,
		});
		await store.set('k', tokenSet({ accessToken: 'newer' }));
		expect({ meta: await store.getMeta('k'), key: await store.getDpopKey('k') }).toEqual({ meta: { secretHash: 'new' }, key: replacement });
		await expect(store.set('k', tokenSet(), { dpopKey: { ...key, crv: 'P-384' } as never })).rejects.toThrow(
			'Expected `dpopKey` to be an EC P-256 private JWK',
		);
	});

	it('setMeta without a session -> false, and no file; getMeta -> undefined', async () => {
		const store = new FileTokenStore({ dir: newDir() });
		expect(await store.setMeta('nobody', { provider: 'x' })).toBe(false);
		expect(await store.getMeta('nobody')).toBeUndefined();
		expect(readdirSync(store.dir).filter((name) => name.endsWith('.json'))).toEqual([]);
	});

	it('list(): every live session with its key, tokens, meta and file; never a lock, temporary or moved-aside file', async () => {
		let now = NOW;
		const store = new FileTokenStore({ dir: newDir(), now: () => now });
		await store.set('alice', tokenSet({ accessToken: 'alice-token' }), { meta: { username: 'alice' } });
		await store.set('bob', tokenSet({ accessToken: 'bob-token', refreshToken: 'r' }));
		await store.set('expired', tokenSet(), { ttl: 1_000 });
		let listed: Awaited<ReturnType<FileTokenStore['list']>> = [];
		await store.withLock('alice', async () => {
			now = NOW + 2_000;
			listed = await store.list();
		});
		const sessions = listed.map((entry) =>
			'error' in entry ? entry : { key: entry.key, token: entry.tokenSet.accessToken, meta: entry.meta, file: entry.file },
		);
		expect(sessions).toEqual(
			expect.arrayContaining([
				{ key: 'alice', token: 'alice-token', meta: { username: 'alice' }, file: join(store.dir, sessionFileName('alice')) },
				{ key: 'bob', token: 'bob-token', meta: undefined, file: join(store.dir, sessionFileName('bob')) },
			]),
		);
		expect(sessions).toHaveLength(2);
	});

	it('list() of a directory that does not exist yet -> []', async () => {
		expect(await new FileTokenStore({ dir: newDir() }).list()).toEqual([]);
	});
});

describe('defaultSessionDir', () => {
	it('$TOKENKEEPER_HOME, else an absolute $XDG_CONFIG_HOME/tokenkeeper, else ~/.config/tokenkeeper', () => {
		expect(defaultSessionDir({ TOKENKEEPER_HOME: '/srv/tokens', XDG_CONFIG_HOME: '/x', HOME: '/home/me' }, 'linux')).toBe('/srv/tokens');
		expect(defaultSessionDir({ XDG_CONFIG_HOME: '/home/me/.cfg', HOME: '/home/me' }, 'linux')).toBe('/home/me/.cfg/tokenkeeper');
		// The XDG spec: a relative path is invalid and ignored.
		expect(defaultSessionDir({ XDG_CONFIG_HOME: 'relative', HOME: '/home/me' }, 'linux')).toBe('/home/me/.config/tokenkeeper');
		expect(defaultSessionDir({ HOME: '/home/me' }, 'darwin')).toBe('/home/me/.config/tokenkeeper');
		expect(defaultSessionDir({ TOKENKEEPER_HOME: '', HOME: '/home/me' }, 'linux')).toBe('/home/me/.config/tokenkeeper');
	});

	it("Windows: %APPDATA%\\tokenkeeper (or the profile's AppData\\Roaming)", () => {
		expect(defaultSessionDir({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\me\\AppData\\Roaming\\tokenkeeper');
		expect(defaultSessionDir({ USERPROFILE: 'C:\\Users\\me' }, 'win32')).toBe('C:\\Users\\me\\AppData\\Roaming\\tokenkeeper');
	});

	it('new FileTokenStore() uses it', () => {
		vi.stubEnv('TOKENKEEPER_HOME', join(root, 'from-env'));
		expect(new FileTokenStore().dir).toBe(join(root, 'from-env'));
		vi.unstubAllEnvs();
	});
});

describe('FileTokenStore: hygiene', () => {
	it('writes nothing to the console; errors hold no token', async () => {
		const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
			vi.spyOn(console, method).mockImplementation(() => undefined),
		);
		const store = new FileTokenStore({ dir: newDir() });
		const full = tokenSet({ refreshToken: 'secret-refresh-token', idToken: 'secret-id-token' });
		await store.set('k', full);
		await store.get('k');
		await store.compareAndSet('k', full, full);
		await store.withLock('k', async () => undefined);
		await store.list();
		// A file damaged mid-token: the error names the file, not what is in it.
		const file = join(store.dir, sessionFileName('k'));
		const { writeFileSync } = await import('node:fs');
		writeFileSync(file, readFileSync(file, 'utf8').slice(0, 120), { mode: 0o600 });
		const error = await store.get('k').then(
			() => undefined,
			(reason: unknown) => reason,
		);
		expect(isStoreError(error)).toBe(true);
		const printed = [String(error), (error as Error).stack, JSON.stringify(error), String((error as Error).cause)].join('\n');
		for (const secret of ['secret-access-token-value', 'secret-refresh-token', 'secret-id-token']) expect(printed).not.toContain(secret);
		for (const spy of spies) expect(spy).not.toHaveBeenCalled();
		expect(toTokenSetRecord(full).accessToken).toBe('secret-access-token-value');
	});
});
