import { isClockRefusal, peekJson, readTokenEndpointChallenge } from './challenge.js';
import type { NonceBook } from './nonces.js';
import { newProofRetryBudget, type ProofSigner, retryWithServerClock } from './proof-signer.js';
import type { DpopDowngradeEvent } from './types.js';

/** What {@link createTokenEndpointFetch} works with. */
export interface TokenEndpointFetchContext {
	readonly signer: ProofSigner;
	readonly nonces: NonceBook;
	readonly fetch: typeof fetch;
	readonly onDowngrade: (event: DpopDowngradeEvent) => void;
	/** An access token issued to a request signed with the session's key. */
	readonly onIssued: (accessToken: string) => void;
}

/**
 * `fetch` for a token endpoint with DPoP: each request carries a new proof, with the endpoint's latest nonce.
 * A `use_dpop_nonce` answer with a nonce not yet tried (RFC 9449 8), and a proof refused for its `iat` when the
 * answer carries `Date`, are each retried once; any other answer goes back as it came, to the endpoint's own
 * processing. At most three sends per request, whatever the server says.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export function createTokenEndpointFetch(context: TokenEndpointFetchContext): typeof fetch {
	const { signer, nonces, fetch: send, onDowngrade, onIssued } = context;

	/**
	 * Note the access token a success issued; one whose `token_type` is not DPoP means the server ignored the proof
	 * (RFC 9449 7.1): tell the listeners.
	 */
	async function noticeIssued(response: Response): Promise<void> {
		const body = await peekJson(response);
		const tokenType = body?.token_type;
		if (typeof body?.access_token === 'string') onIssued(body.access_token);
		if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'dpop') onDowngrade({ tokenType });
	}

	return async (input, init = {}) => {
		const url = input instanceof Request ? input.url : String(input);
		const method = init.method ?? (input instanceof Request ? input.method : 'GET');
		const budget = newProofRetryBudget();
		for (;;) {
			const sentNonce = nonces.get(url);
			const headers = new Headers(init.headers);
			headers.set('dpop', await signer.sign({ htm: method, url, nonce: sentNonce }));
			const response = await send(input, { ...init, headers });
			const nonce = nonces.remember(url, response);
			if (response.ok) {
				await noticeIssued(response);
				return response;
			}
			if (response.status !== 400 && response.status !== 401) return response;
			const challenge = await readTokenEndpointChallenge(response);
			if (isClockRefusal(challenge)) {
				await retryWithServerClock(signer, budget, response, 'token endpoint', url);
				continue;
			}
			const retry = challenge.error === 'use_dpop_nonce' && nonce !== undefined && nonce !== sentNonce && budget.nonce-- > 0;
			if (!retry) return response;
			await response.body?.cancel().catch(() => undefined);
		}
	};
}
