import { publishApiRetry, tracePeek } from '../diagnostics/probes.js';
import { fetchDiscovery, resolveEndpoints } from '../endpoint/discovery.js';
import { RequestNotReplayableError } from '../errors.js';
import { resourceChallengeOf } from '../provider.js';
import { freshTokenReader, sessionDpopOf, type TokenTargetOptions, type TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import type { OutgoingRequest } from './outgoing-request.js';

/** What {@link createSendWithToken} needs. */
export interface SendWithTokenConfig {
	readonly manager: TokenManager;
	/** Origins (as `origin + '/'`) that may receive the token; every other one gets the request untouched. */
	readonly allowed: readonly string[];
	/** Which of the session's tokens the requests carry: the API's (`resource`) and its `scope`. */
	readonly target: TokenTargetOptions;
}

/**
 * Whether `response` came from the origin the token was sent to. After a redirect to another origin, fetch has
 * dropped the token (and so does rule 7; with DPoP, tokenkeeper follows the redirects, and its answer says
 * `redirected` as fetch's does): that origin's 401 or 403 says nothing about the token, so it must not cost a new
 * token and a retry.
 */
function answeredBy(response: Response, requestUrl: string): boolean {
	return !response.redirected || new URL(response.url).origin === new URL(requestUrl).origin;
}

function authorization(tokenSet: { tokenType: string; accessToken: string }): string {
	return `${tokenSet.tokenType} ${tokenSet.accessToken}`;
}

/**
 * Wrap `fetch` so that requests to allowed origins carry the session's token (rule 7), and a rejection
 * of that token gets one new token and one retry (rules 5 and 10). Done inside fetch rather than in ky's
 * `afterResponse` hook, which clones every response.
 * The request is sent as is, plus `Authorization`: no header of our own, so CORS preflights stay as the API allows.
 */
export function createSendWithToken(config: SendWithTokenConfig) {
	const { manager, allowed, target } = config;
	const { provider } = manager;
	const peek = freshTokenReader(manager, target);
	const rejection = new Set(provider.rejectionStatuses);
	// Only providers that can tell their server from another (`oauth2()` with an issuer, given or discovered) bring it.
	const checkChallenge = resourceChallengeOf(provider);
	const dpop = sessionDpopOf(manager);
	// With DPoP, each send gets its own proof (a retry too), and the API's nonce and clock refusals are retried there.
	const sendWith = (outgoing: OutgoingRequest, tokenSet: TokenSet) =>
		dpop ? dpop.then((session) => session.send(outgoing, tokenSet)) : outgoing.send(authorization(tokenSet));

	return async function sendWithToken(outgoing: OutgoingRequest): Promise<Response> {
		// A request that brings its own Authorization, or goes to a foreign origin, is none of our business.
		if (outgoing.hasAuthorization || !allowed.some((prefix) => outgoing.url.startsWith(prefix))) {
			return outgoing.send();
		}
		// A fresh token the manager holds costs no promise: what a request adds over bare fetch is one header.
		const tokenSet = tracePeek(() => peek()) ?? (await manager.getToken({ ...target, signal: outgoing.signal }));
		const response = await sendWith(outgoing, tokenSet);
		if (!rejection.has(response.status) || !answeredBy(response, outgoing.url)) return response;
		// RFC 9728 5: an API whose metadata names other authorization servers than the session's is an error, not a retry.
		await checkChallenge?.(response, outgoing, provider, fetchDiscovery, resolveEndpoints);

		// Rule 5: one new token and one retry, never more; the second answer is returned as is.
		await manager.invalidate(tokenSet);
		if (!outgoing.replayable) {
			throw new RequestNotReplayableError(
				`The API rejected the access token (${response.status}), not retried because its body is a stream: send it again.`,
				{ status: response.status, response },
			);
		}
		publishApiRetry(response, outgoing.url);
		await response.body?.cancel().catch(() => undefined);
		const next = await manager.getToken({ ...target, signal: outgoing.signal });
		return sendWith(outgoing, next);
	};
}
