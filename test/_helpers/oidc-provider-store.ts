import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/** What {@link createProviderStore} returns: the adapter factory for oidc-provider, and the switch a test holds. */
export interface ProviderStore {
	/** The `adapter` option of oidc-provider: one adapter per model (Session, Grant, RefreshToken…), one map for all. */
	readonly adapter: AdapterFactory;
	/** Forget everything the provider stored: grants, refresh tokens, codes, sessions, interactions. */
	clear(): void;
}

interface Entry {
	readonly payload: AdapterPayload;
	readonly expiresAt: number;
}

/**
 * oidc-provider's storage, in memory and owned by one test provider. Its own MemoryAdapter is shared by every provider
 * of the process and offers no way to empty it; this one is per instance, so `clear()` is a server-side revocation of
 * every grant at once.
 */
export function createProviderStore(): ProviderStore {
	const entries = new Map<string, Entry>();

	function live(key: string): AdapterPayload | undefined {
		const entry = entries.get(key);
		if (entry && entry.expiresAt <= Date.now()) entries.delete(key);
		return entry && entry.expiresAt > Date.now() ? entry.payload : undefined;
	}

	function adapter(model: string): Adapter {
		const key = (id: string) => `${model}:${id}`;
		const findBy = (field: 'uid' | 'userCode', value: string) => {
			for (const [entryKey, entry] of entries) {
				if (entryKey.startsWith(`${model}:`) && entry.payload[field] === value) return live(entryKey);
			}
			return undefined;
		};
		return {
			async upsert(id, payload, expiresIn) {
				const expiresAt = expiresIn === undefined ? Number.POSITIVE_INFINITY : Date.now() + expiresIn * 1000;
				// A copy: the provider keeps mutating its model objects after saving them.
				entries.set(key(id), { payload: structuredClone(payload), expiresAt });
			},
			async find(id) {
				return live(key(id));
			},
			async findByUid(uid) {
				return findBy('uid', uid);
			},
			async findByUserCode(userCode) {
				return findBy('userCode', userCode);
			},
			async consume(id) {
				const payload = live(key(id));
				if (payload) payload.consumed = Math.floor(Date.now() / 1000);
			},
			async destroy(id) {
				entries.delete(key(id));
			},
			async revokeByGrantId(grantId) {
				for (const [entryKey, entry] of entries) {
					if (entryKey.startsWith(`${model}:`) && entry.payload.grantId === grantId) entries.delete(entryKey);
				}
			},
		};
	}

	return { adapter, clear: () => entries.clear() };
}
