import { createIndexedDbKeyStorage } from './indexed-db-key-storage.js';
import { createMemoryKeyStorage, type DpopKeyStorage } from './key-storage.js';
import { createNonceBook } from './nonces.js';
import { createProofSigner } from './proof-signer.js';
import { createResourceSender } from './resource-sender.js';
import { createTokenEndpointFetch } from './token-endpoint-fetch.js';
import type { DpopDowngradeEvent, DpopKeyPlace, DpopOption, SessionDpop } from './types.js';

/** What a session hands its DPoP. */
export interface SessionDpopContext {
	readonly option: DpopOption;
	/** The session's fetch for token requests, which proofs are added to. */
	readonly fetch: typeof fetch;
	readonly now: () => number;
	readonly onDowngrade: (event: DpopDowngradeEvent) => void;
	/** Where a key tokenkeeper makes is kept. Default `'memory'`. */
	readonly keyPlace?: DpopKeyPlace | undefined;
	/** The session's key in its token store: the key's, in IndexedDB. */
	readonly sessionKey: string;
}

/** IndexedDB in a browser for `'local'` and `'session'`, else this process's memory. */
function keyStorageFor(context: SessionDpopContext): DpopKeyStorage {
	const indexedDB = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
	const place = context.keyPlace ?? 'memory';
	if (place === 'memory' || !indexedDB) return createMemoryKeyStorage();
	const tabStorage = place === 'session' ? (globalThis as { sessionStorage?: Storage }).sessionStorage : undefined;
	return createIndexedDbKeyStorage({ indexedDB, sessionKey: context.sessionKey, tabStorage });
}

/**
 * One session's DPoP: one key, one clock offset, and the latest nonce of each token endpoint and each API, kept
 * apart (their nonces are their own, even on one origin).
 */
export function createSessionDpop(context: SessionDpopContext): SessionDpop {
	const keys = keyStorageFor(context);
	const signer = createProofSigner(context.option, keys, context.now);
	// Access tokens issued to this process with its key: the others, with a key it made just now, cannot work.
	const issuedHere = new Set<string>();
	const onIssued = (accessToken: string) => {
		issuedHere.add(accessToken);
		if (issuedHere.size > 16) issuedHere.delete(issuedHere.values().next().value as string);
	};
	return {
		thumbprint: signer.thumbprint,
		tokenFetch: createTokenEndpointFetch({
			signer,
			nonces: createNonceBook(),
			fetch: context.fetch,
			onDowngrade: context.onDowngrade,
			onIssued,
		}),
		send: createResourceSender({ signer, nonces: createNonceBook(), issuedHere, keyWasStored: keys.persistent }),
		forget: signer.forget,
	};
}
