import { base64url } from '../base64url.js';

/** What an exchanged token is for, besides its subject: it is one cache entry per subject token and target. */
export interface ExchangeTarget {
	readonly audience: string | undefined;
	readonly resource: string | undefined;
	readonly scope: string | undefined;
	readonly requestedTokenType: string | undefined;
	readonly subjectTokenType: string;
	readonly actorToken: string | undefined;
	readonly actorTokenType: string | undefined;
}

/** SHA-256 of `value`, base64url: a token's stand-in wherever it would otherwise be kept (a key in memory). */
async function sha256(value: string): Promise<string> {
	return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))));
}

/**
 * The cache key of one exchange: hashes of the subject and actor tokens, never the tokens themselves, so a key that
 * ends up in a heap dump or a debugger gives neither away, and the target as JSON (no separator to confuse).
 */
export async function exchangeCacheKey(subjectToken: string, target: ExchangeTarget): Promise<string> {
	const { actorToken, ...rest } = target;
	const [subject, actor] = await Promise.all([sha256(subjectToken), actorToken === undefined ? undefined : sha256(actorToken)]);
	return JSON.stringify([
		subject,
		actor ?? null,
		rest.audience ?? null,
		rest.resource ?? null,
		rest.scope ?? null,
		rest.requestedTokenType ?? null,
		rest.subjectTokenType,
		rest.actorTokenType ?? null,
	]);
}
