import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import type { AttemptStorage } from '../../src/key-value-storage.js';
import { useEmulator } from '../_helpers/emulator.js';
import { createSqoweyFlow, startLogin } from '../_helpers/sqowey-flow.js';

// A server keeps login attempts where its sessions are (Redis, files): a storage that answers with promises.
const emulator = useEmulator({ providers: ['sqowey'] });

/** A storage that answers a turn of the event loop later, as Redis does; `atomic` adds `takeItem` (GETDEL). */
function createAsyncStorage({ atomic }: { atomic: boolean }) {
	const items = new Map<string, string>();
	const later = () => new Promise<void>((resolve) => setImmediate(resolve));
	const storage: AttemptStorage & { readonly items: Map<string, string> } = {
		items,
		async getItem(key) {
			await later();
			return items.get(key) ?? null;
		},
		async setItem(key, value) {
			await later();
			items.set(key, value);
		},
		async removeItem(key) {
			await later();
			items.delete(key);
		},
	};
	if (!atomic) return storage;
	return {
		...storage,
		async takeItem(key: string) {
			const value = items.get(key) ?? null;
			items.delete(key);
			await later();
			return value;
		},
	};
}

describe('attemptStorage with promises (a server keeps the login attempt)', () => {
	it('the attempt is written to the async storage, the callback takes it from there and removes it', async () => {
		const attempts = createAsyncStorage({ atomic: false });
		const flow = createSqoweyFlow(emulator(), { attemptStorage: attempts });
		const callback = await startLogin(flow);
		expect(attempts.items.size).toBe(1);
		const [value] = attempts.items.values();
		expect(JSON.parse(value!)).toMatchObject({ state: callback.searchParams.get('state'), codeVerifier: expect.any(String) });
		await flow.handleCallback(callback);
		expect(attempts.items.size).toBe(0);
		expect(emulator().counters().tokenRequests.authorization_code).toBe(1);
	});

	it('a replayed callback: state_mismatch, the code is exchanged once', async () => {
		const flow = createSqoweyFlow(emulator(), { attemptStorage: createAsyncStorage({ atomic: false }) });
		const callback = await startLogin(flow);
		await flow.handleCallback(callback);
		await expect(flow.handleCallback(callback)).rejects.toMatchObject({
			code: ErrorCode.AuthorizationResponse,
			error: 'state_mismatch',
		});
		expect(emulator().counters().tokenRequests.authorization_code).toBe(1);
	});

	it('takeItem (GETDEL): two concurrent callbacks with one state, one exchange; the other is state_mismatch', async () => {
		const flow = createSqoweyFlow(emulator(), { attemptStorage: createAsyncStorage({ atomic: true }) });
		const callback = await startLogin(flow);
		const outcomes = await Promise.allSettled([flow.handleCallback(callback), flow.handleCallback(callback)]);
		expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
		const refused = outcomes.find((outcome) => outcome.status === 'rejected');
		expect(refused?.reason).toMatchObject({ error: 'state_mismatch' });
		expect(emulator().counters().tokenRequests.authorization_code).toBe(1);
	});

	it('a storage that fails to save: the attempt falls back to memory and the login still finishes', async () => {
		const failing: AttemptStorage = {
			getItem: async () => null,
			setItem: () => Promise.reject(new Error('store down')),
			removeItem: async () => {},
		};
		const flow = createSqoweyFlow(emulator(), { attemptStorage: failing });
		await expect(flow.handleCallback(await startLogin(flow))).resolves.toMatchObject({ accessToken: expect.any(String) });
	});
});
