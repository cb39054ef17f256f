import { exportPublicJwk, generateDpopKeyPair, requireDpopKeyPair } from './key-pair.js';
import { createProof, type ProofClaims, type ProofKey } from './proof.js';
import { jwkThumbprint } from './thumbprint.js';
import type { DpopOption } from './types.js';

interface SessionKey extends ProofKey {
	readonly thumbprint: string;
}

/**
 * One session's proof maker: its key (made on first use with `dpop: true`, or the caller's), and its view of the
 * servers' clock. Proofs are dated by that view: after a server refused a proof's `iat`, the offset its `Date`
 * header showed is applied to every later proof of the session.
 */
export function createProofSigner(option: DpopOption, now: () => number) {
	let key: Promise<SessionKey> | undefined;
	let clockOffset = 0;

	async function makeKey(): Promise<SessionKey> {
		const { privateKey, publicKey } = option === true ? await generateDpopKeyPair() : requireDpopKeyPair(option.keyPair);
		const jwk = await exportPublicJwk(publicKey);
		return { privateKey, jwk, thumbprint: await jwkThumbprint(jwk) };
	}

	function currentKey(): Promise<SessionKey> {
		key ??= makeKey();
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
		/** Drop a key tokenkeeper made; a key the caller brought stays theirs. */
		forget(): void {
			if (option === true) key = undefined;
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

export function newProofRetryBudget(): ProofRetryBudget {
	return { nonce: 1, clock: 1 };
}
