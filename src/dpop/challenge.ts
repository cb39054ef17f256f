import { DpopError } from '../errors.js';
import { tryParseJson } from '../try-parse-json.js';

/** What a server said about a proof: `use_dpop_nonce`, `invalid_dpop_proof`, or another OAuth error. */
export interface DpopChallenge {
	readonly error: string | undefined;
	readonly description: string | undefined;
}

/**
 * The most of a token endpoint's answer read here, from a clone, to find its `error` or `token_type`: token and
 * error responses are a few KB. The answer itself goes on to the endpoint's bounded reader untouched.
 */
const MAX_PEEK_CHARACTERS = 64 * 1024;

/** The JSON body of a clone of `response`, or `undefined` when it is not JSON or longer than the peek allows. */
export async function peekJson(response: Response): Promise<Record<string, unknown> | undefined> {
	const reader = response.clone().body?.getReader();
	if (!reader) return undefined;
	const decoder = new TextDecoder();
	let text = '';
	try {
		// Bounded: a body longer than the peek is not JSON we could use anyway.
		while (text.length <= MAX_PEEK_CHARACTERS) {
			const { done, value } = await reader.read();
			if (done) return tryParseJson(text + decoder.decode()) as Record<string, unknown> | undefined;
			text += decoder.decode(value, { stream: true });
		}
		return undefined;
	} finally {
		reader.cancel().catch(() => undefined);
	}
}

/** A token endpoint's error answer read for its `error` (RFC 9449 8: `use_dpop_nonce`, 7: `invalid_dpop_proof`). */
export async function readTokenEndpointChallenge(response: Response): Promise<DpopChallenge> {
	const body = await peekJson(response);
	return {
		error: typeof body?.error === 'string' ? body.error : undefined,
		description: typeof body?.error_description === 'string' ? body.error_description : undefined,
	};
}

/**
 * The `DPoP` challenge of a resource server's `WWW-Authenticate` header (RFC 9449 7.1, 9): its `error` and
 * `error_description`. Other schemes' parameters are not read.
 */
export function readResourceChallenge(header: string | null): DpopChallenge {
	const dpop = header?.match(/(?:^|[\s,])DPoP\s+([\s\S]*)/i)?.[1];
	// Up to the next scheme (a token followed by a space and a parameter), if one follows.
	const parameters = dpop?.split(/,\s*[A-Za-z][\w!#$%&'*+.^`|~-]*\s+[\w-]+=/)[0] ?? '';
	const parameter = (name: string) => parameters.match(new RegExp(`(?:^|[\\s,])${name}="([^"]*)"`))?.[1];
	return { error: parameter('error'), description: parameter('error_description') };
}

/**
 * The error for a proof refused for its time once the one retry with the server's clock is spent (or impossible:
 * no `Date`): the clock, not the token, is what to fix. `where` names the server for a person (its host only).
 */
export function clockRefusedError(where: string, url: string, corrected: boolean): DpopError {
	const host = new URL(url).host;
	const tried = corrected ? "even after taking the server's clock from its Date header" : 'and its answer had no Date header to correct by';
	return new DpopError(
		`The ${where} at ${host} refused the DPoP proof's time (iat) ${tried}: check this machine's clock (and the server's), then try again.`,
	);
}

/**
 * The error for an API that asks for a nonce when none can be tried: it gave none this client can read (in a
 * browser, a `DPoP-Nonce` the API does not expose to scripts), or refused the very nonce it names. A new token would
 * be refused alike, so none is asked for.
 */
export function nonceRefusedError(url: string, nonce: string | undefined): DpopError {
	const host = new URL(url).host;
	return new DpopError(
		nonce === undefined
			? `The API at ${host} asked for a DPoP nonce (use_dpop_nonce) without a DPoP-Nonce header this client can read: in a browser, the API must expose it (Access-Control-Expose-Headers: DPoP-Nonce).`
			: `The API at ${host} refused the DPoP nonce it names itself (use_dpop_nonce with the nonce the proof carried): not retried; check the API's nonce handling.`,
	);
}

/** The server refused the proof's time: `invalid_dpop_proof` whose description speaks of `iat`. */
export function isClockRefusal(challenge: DpopChallenge): boolean {
	return challenge.error === 'invalid_dpop_proof' && /\biat\b/i.test(challenge.description ?? '');
}
