import { generateDpopKeyPair } from './key-pair.js';

/** Where a session's DPoP key lives when tokenkeeper makes it (`dpop: true`). */
export interface DpopKeyStorage {
	/**
	 * The session's key pair: the stored one, or a new one, stored before it is used. `created`: made now, so no
	 * token issued before can be bound to it.
	 */
	load(): Promise<{ readonly keyPair: CryptoKeyPair; readonly created: boolean }>;
	/** Drop the key (the session was cleared or logged out): the next `load()` makes a new one. */
	remove(): Promise<void>;
	/** Whether tokens found without their key mean the key was deleted (browser site data), not another process. */
	readonly persistent: boolean;
}

/**
 * In this process's memory: the proof signer holds the key as long as the session object lives (as a memory store
 * holds its tokens) and asks for one only when it has none, so there is nothing to keep here: each load makes a key.
 */
export function createMemoryKeyStorage(): DpopKeyStorage {
	return {
		persistent: false,
		load: async () => ({ keyPair: await generateDpopKeyPair(), created: true }),
		remove: async () => undefined,
	};
}
