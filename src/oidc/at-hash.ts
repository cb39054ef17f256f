import { base64url } from '../base64url.js';
import { IdTokenError } from '../errors.js';
import { algorithmProfile } from '../jws-algorithms.js';
import type { IdTokenAlgorithm } from './algorithms.js';

/**
 * `at_hash` when the token has one and the response carried an access token: the base64url of the left half of the
 * hash of the access token's ASCII bytes, with the hash of the token's `alg`. It binds the access token to the ID
 * token, so one swapped in from another response is caught.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
 */
export async function checkAccessTokenHash(
	claims: Readonly<Record<string, unknown>>,
	alg: IdTokenAlgorithm,
	accessToken: string | undefined,
): Promise<void> {
	if (claims.at_hash === undefined || accessToken === undefined) return;
	const digest = new Uint8Array(await crypto.subtle.digest(algorithmProfile(alg).atHash, new TextEncoder().encode(accessToken)));
	if (claims.at_hash !== base64url(digest.subarray(0, digest.length / 2))) {
		throw new IdTokenError(
			'at_hash',
			"The ID token's `at_hash` does not match the access token of the same response: they were not issued together. Log in again.",
		);
	}
}
