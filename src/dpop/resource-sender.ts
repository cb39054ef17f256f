import { DpopError, LoginRequiredError } from '../errors.js';
import { tryParseJson } from '../try-parse-json.js';
import { isClockRefusal, nonceRefusedError, readResourceChallenge } from './challenge.js';
import type { NonceBook } from './nonces.js';
import { newProofRetryBudget, type ProofRetryBudget, type ProofSigner, retryWithServerClock } from './proof-signer.js';
import { followRedirects } from './redirects.js';
import type { DpopOutgoingRequest, SessionDpop } from './types.js';

/**
 * The key a JWT access token is bound to (`cnf.jkt`, RFC 9449 6.1), read without checking its signature (that is
 * the API's job): only to refuse sending a token that cannot work. `undefined` for an opaque token.
 */
function boundThumbprintOf(accessToken: string): string | undefined {
	const payload = accessToken.split('.')[1];
	if (payload === undefined || !/^[\w-]+$/.test(payload)) return undefined;
	let json: string;
	try {
		json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
	} catch {
		return undefined;
	}
	const jkt = (tryParseJson(json) as { cnf?: { jkt?: unknown } } | undefined)?.cnf?.jkt;
	return typeof jkt === 'string' ? jkt : undefined;
}

/** What {@link createResourceSender} works with. */
export interface ResourceSenderContext {
	readonly signer: ProofSigner;
	readonly nonces: NonceBook;
	/** Access tokens issued to this process with its key. */
	readonly issuedHere: ReadonlySet<string>;
	/** The key made by tokenkeeper is kept with the session (IndexedDB), not only in this process. */
	readonly keyWasStored: boolean;
}

/**
 * API requests with DPoP (RFC 9449 7): `Authorization: DPoP <token>` and a new proof with `ath` on every send. A
 * 401 whose `DPoP` challenge is `use_dpop_nonce` with a nonce not yet tried, or a proof refused for its `iat`, is
 * sent again once each per request. `use_dpop_nonce` with no new nonce, and a second refusal of the time, fail with
 * `ERR_DPOP` rather than cost a new token. The budget is kept per request across the client's token retry, so a
 * request is sent at most four times in all: once, once more for a nonce, once more for the clock, and the client's
 * one token retry.
 * Redirects are followed here, not by fetch, which would send the proof on unchanged (to another origin too, for
 * `DPoP` is not a header it drops): each hop on the request's origin gets its own proof, for its own URL; a hop to
 * another origin, and every one after it, goes without token or proof, as fetch sends a Bearer request there, and
 * what that origin answers is returned as is, never read as the API's (no nonce, no clock, no challenge).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export function createResourceSender(context: ResourceSenderContext): SessionDpop['send'] {
	const { signer, nonces, issuedHere, keyWasStored } = context;
	const budgets = new WeakMap<DpopOutgoingRequest, ProofRetryBudget>();

	/**
	 * Refuse, before sending, a token that cannot work with this process's key: one whose `cnf.jkt` names another key,
	 * or one found stored while the key had to be made anew (its key is gone: deleted with the site's data, or held by
	 * another process of a shared store). Sent, it would only cost a rejection, a new token and a second rejection.
	 */
	async function requireBoundHere(accessToken: string): Promise<void> {
		const bound = boundThumbprintOf(accessToken);
		if (bound !== undefined && bound !== (await signer.thumbprint())) {
			throw new DpopError(
				'The access token is bound to a DPoP key this process does not hold (its cnf.jkt differs): share the key with `dpop: { keyPair }`, or log in again.',
			);
		}
		if (bound === undefined && (await signer.madeKey()) && !issuedHere.has(accessToken)) {
			if (keyWasStored) throw new LoginRequiredError('The DPoP key of this session is gone (site data cleared?): log in again.');
			throw new DpopError(
				'The stored tokens are DPoP-bound to a key this process does not hold (another process made them, or this one before a restart): keep one key for the session with `dpop: { keyPair }`, or clear() the session.',
			);
		}
	}

	return async (outgoing, tokenSet) => {
		// A Bearer token (a server that downgraded) goes as it came: a proof would tell the API nothing it checks.
		if (tokenSet.tokenType !== 'DPoP') return outgoing.send(`${tokenSet.tokenType} ${tokenSet.accessToken}`);
		await requireBoundHere(tokenSet.accessToken);
		const budget = budgets.get(outgoing) ?? newProofRetryBudget();
		budgets.set(outgoing, budget);
		for (;;) {
			const accessToken = tokenSet.accessToken;
			// The last hop's: the one whose answer is read.
			let sentNonce: string | undefined;
			let nonce: string | undefined;
			const { response, own } = await followRedirects(outgoing, async (request, url, method, own) => {
				if (own) {
					sentNonce = nonces.get(url);
					request.headers.set('authorization', `DPoP ${accessToken}`);
					request.headers.set('dpop', await signer.sign({ htm: method, url, nonce: sentNonce, accessToken }));
				}
				const answer = await outgoing.send(undefined, request);
				// Only the origin a proof was made for speaks about it: another origin's nonce is never kept.
				if (own) nonce = nonces.remember(url, answer);
				return answer;
			});
			// Another origin's answer says nothing about this proof or token: returned as is.
			if (!own || response.status !== 401 || !outgoing.replayable) return response;
			const challenge = readResourceChallenge(response.headers.get('www-authenticate'));
			if (isClockRefusal(challenge)) {
				// Not a token rejection: a new token would be refused alike.
				await retryWithServerClock(signer, budget, response, 'API', outgoing.url);
				continue;
			}
			if (challenge.error !== 'use_dpop_nonce') return response;
			// No nonce to try (none readable, or the very one refused): no retry could help, a new token neither.
			if (nonce === undefined || nonce === sentNonce) {
				await response.body?.cancel().catch(() => undefined);
				throw nonceRefusedError(outgoing.url, nonce);
			}
			// A nonce not yet tried, once per request; after that (a nonce rotated by a concurrent answer), the client's
			// token retry is the one send left.
			if (budget.nonce-- <= 0) return response;
			await response.body?.cancel().catch(() => undefined);
		}
	};
}
