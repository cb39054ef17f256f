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

/** In this process's memory: the key lives as long as the session object, as its tokens do in a memory store. */
export function createMemoryKeyStorage(): DpopKeyStorage {
	let keyPair: Promise<CryptoKeyPair> | undefined;
	return {
		persistent: false,
		async load() {
			const created = keyPair === undefined;
			keyPair ??= generateDpopKeyPair();
			// A failed generation is not kept: the next request tries again (and fails alike, with the same clear error).
			keyPair.catch(() => {
				keyPair = undefined;
			});
			return { keyPair: await keyPair, created };
		},
		async remove() {
			keyPair = undefined;
		},
	};
}
