import { createNonceBook } from './nonces.js';
import { createProofSigner } from './proof-signer.js';
import { createResourceSender } from './resource-sender.js';
import { createTokenEndpointFetch } from './token-endpoint-fetch.js';
import type { DpopDowngradeEvent, DpopOption, SessionDpop } from './types.js';

/** What a session hands its DPoP. */
export interface SessionDpopContext {
	readonly option: DpopOption;
	/** The session's fetch for token requests, which proofs are added to. */
	readonly fetch: typeof fetch;
	readonly now: () => number;
	readonly onDowngrade: (event: DpopDowngradeEvent) => void;
}

/**
 * One session's DPoP: one key, one clock offset, and the latest nonce of each token endpoint and each API, kept
 * apart (their nonces are their own, even on one origin).
 */
export function createSessionDpop(context: SessionDpopContext): SessionDpop {
	const signer = createProofSigner(context.option, context.now);
	const tokenNonces = createNonceBook();
	return {
		thumbprint: signer.thumbprint,
		tokenFetch: createTokenEndpointFetch({ signer, nonces: tokenNonces, fetch: context.fetch, onDowngrade: context.onDowngrade }),
		send: createResourceSender(signer, createNonceBook()),
		forget: signer.forget,
	};
}
