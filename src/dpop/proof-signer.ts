import { clockRefusedError } from './challenge.js';
import { exportPublicJwk, requireDpopKeyPair } from './key-pair.js';
import type { DpopKeyStorage } from './key-storage.js';
import { createProof, type ProofClaims, type ProofKey } from './proof.js';
import { jwkThumbprint } from './thumbprint.js';
import type { DpopOption } from './types.js';

interface SessionKey extends ProofKey {
	readonly thumbprint: string;
	/** Made by this process just now (none was stored): no token issued before can be bound to it. */
	readonly created: boolean;
}

/**
 * One session's proof maker: its key (the caller's, or tokenkeeper's, loaded from `keys` or made there on first
 * use), and its view of the servers' clock. Proofs are dated by that view: after a server refused a proof's `iat`,
 * the offset its `Date` header showed is applied to every later proof of the session.
 */
export function createProofSigner(option: DpopOption, keys: DpopKeyStorage, now: () => number) {
	let key: Promise<SessionKey> | undefined;
	let clockOffset = 0;

	async function makeKey(): Promise<SessionKey> {
		const { keyPair, created } = option === true ? await keys.load() : { keyPair: requireDpopKeyPair(option.keyPair), created: false };
		const jwk = await exportPublicJwk(keyPair.publicKey);
		return { privateKey: keyPair.privateKey, jwk, thumbprint: await jwkThumbprint(jwk), created };
	}

	function currentKey(): Promise<SessionKey> {
		if (!key) {
			const making = makeKey();
			key = making;
			// A key that could not be had (no ECDSA, IndexedDB failing) is tried again by the next request.
			making.catch(() => {
				if (key === making) key = undefined;
			});
		}
		return key;
	}

	return {
		/** A new proof (new `jti`, `iat` now) for one request. */
		async sign(claims: Omit<ProofClaims, 'iat'>): Promise<string> {
			return createProof(await currentKey(), { ...claims, iat: Math.floor((now() + clockOffset) / 1000) });
		},
		async thumbprint(): Promise<string> {
			return (await currentKey()).thumbprint;
		},
		/** Whether this process made the key it signs with (none was stored, none was given). */
		async madeKey(): Promise<boolean> {
			return (await currentKey()).created;
		},
		/**
		 * Take the server's clock from `response`'s `Date` header; `false` when it has none, so a retry would be refused
		 * alike.
		 */
		adoptServerClock(response: Response): boolean {
			const serverNow = Date.parse(response.headers.get('date') ?? '');
			if (Number.isNaN(serverNow)) return false;
			clockOffset = serverNow - now();
			return true;
		},
		/** Drop a key tokenkeeper made, where it is kept too; a key the caller brought stays theirs. */
		async forget(): Promise<void> {
			if (option !== true) return;
			key = undefined;
			await keys.remove();
		},
	};
}

/** See {@link createProofSigner}. */
export type ProofSigner = ReturnType<typeof createProofSigner>;

/** Retries one request may spend on proof refusals: one for a nonce, one for the clock, never more. */
export interface ProofRetryBudget {
	nonce: number;
	clock: number;
}

/** A request's budget before its first send: one retry for a nonce, one for the clock. */
export function newProofRetryBudget(): ProofRetryBudget {
	return { nonce: 1, clock: 1 };
}

/**
 * A proof refused for its time (`iat`): the clock, not the token, is what to fix. Take the server's clock from the
 * answer's `Date` for the request's one retry (resolves: send again), else throw the clock error. `where` names the
 * server for a person.
 */
export async function retryWithServerClock(
	signer: ProofSigner,
	budget: ProofRetryBudget,
	response: Response,
	where: string,
	url: string,
): Promise<void> {
	const corrected = budget.clock === 0;
	await response.body?.cancel().catch(() => undefined);
	if (budget.clock-- > 0 && signer.adoptServerClock(response)) return;
	throw clockRefusedError(where, url, corrected);
}
