import { afterEach, describe, expect, it } from 'vitest';
import { createTokenSet, isStoreError, type StoreError, type TokenSet } from '../../../src/index.js';
import { RedisTokenStore } from '../../../src/redis.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../../_helpers/redis-server.js';

const binary = requireRedisServerUnlessLocal();

const started: RedisServer[] = [];
const stores: RedisTokenStore[] = [];
afterEach(async () => {
	await Promise.all(stores.splice(0).map((store) => store.close()));
	await Promise.all(started.splice(0).map((server) => server.stop()));
});

async function startServer(args: readonly string[]): Promise<RedisServer> {
	const server = await startRedisServer(binary!, args);
	started.push(server);
	return server;
}

function openStore(url: string): RedisTokenStore {
	const store = new RedisTokenStore({ url }, { commandTimeout: 300, keyPrefix: 'errors:' });
	stores.push(store);
	return store;
}

const tokenSet: TokenSet = createTokenSet({ accessToken: 'errors-access-token', refreshToken: 'errors-refresh-token' });

/** Each store method, as the manager calls it. */
const METHODS = [
	(store: RedisTokenStore) => store.get('session'),
	(store: RedisTokenStore) => store.set('session', tokenSet),
	(store: RedisTokenStore) => store.delete('session'),
	(store: RedisTokenStore) => store.compareAndSet('session', tokenSet, tokenSet),
	(store: RedisTokenStore) => store.withLock('session', async () => 'never'),
];

async function storeError(call: () => Promise<unknown>): Promise<StoreError> {
	const error = await call().then(
		() => new Error('resolved, yet it should have failed'),
		(reason: unknown) => reason,
	);
	expect(isStoreError(error), String(error)).toBe(true);
	return error as StoreError;
}

/** Everything a log could show of `error`: message, store, JSON, string, stack, and the same of its cause. */
function printed(error: StoreError): string[] {
	const cause = error.cause as Error | undefined;
	return [error.message, error.store, JSON.stringify(error), JSON.stringify(error.toJSON()), String(error), error.stack ?? ''].concat(
		cause ? [String(cause), cause.message, cause.stack ?? ''] : [],
	);
}

describe.skipIf(!binary)('RedisTokenStore errors never show a secret', () => {
	const PASSWORD = 'pw-8f3c1e-never-print-me';

	it('a password in the URL: no StoreError (server down, wrong password, closed store) has it in its message, toJSON, store, stack or cause', async () => {
		const server = await startServer(['--requirepass', PASSWORD]);
		const store = openStore(`redis://:${PASSWORD}@127.0.0.1:${server.port}`);
		await store.set('session', tokenSet);
		expect((await store.get('session'))?.accessToken).toBe('errors-access-token');

		const errors: StoreError[] = [];
		const wrong = openStore(`redis://:${PASSWORD}-wrong@127.0.0.1:${server.port}`);
		const refused = await storeError(() => wrong.get('session'));
		expect(refused.message).toMatch(/refused the connection \(WRONGPASS\): check the user and password/);
		errors.push(refused);

		await server.kill();
		for (const method of METHODS) errors.push(await storeError(() => method(store)));
		await store.close();
		errors.push(await storeError(() => store.get('session')));

		for (const error of errors) {
			expect(error.store).toBe(`Redis at 127.0.0.1:${server.port}`);
			for (const text of printed(error)) expect(text).not.toContain(PASSWORD);
		}
	}, 30_000);

	it("a reply that echoes the command's arguments (EVAL disabled: `ERR unknown command 'EVAL', with args beginning with: …`) -> cut from the cause, tokens and all", async () => {
		const server = await startServer(['--rename-command', 'EVAL', '']);
		const store = openStore(server.url);
		await store.set('session', tokenSet);
		const error = await storeError(() => store.compareAndSet('session', tokenSet, createTokenSet({ accessToken: 'errors-next-token' })));
		expect(error.message).toBe(
			`Redis at 127.0.0.1:${server.port} refused EVAL (ERR): this server does not offer the command (renamed or disabled?); ` +
				'the store needs GET, SET, DEL and EVAL.',
		);
		expect((error.cause as Error).message).toMatch(/^ERR unknown command 'EVAL', with args beginning with: \[redacted by tokenkeeper\]$/);
		for (const text of printed(error)) {
			for (const secret of ['errors-access-token', 'errors-refresh-token', 'errors-next-token']) expect(text).not.toContain(secret);
		}
	});
});
