import type { IdTokenIssuer, IdTokenRequest } from '../authorization-server/server-config.js';
import type { Counters } from '../emulator/counters.js';
import { base64UrlEncode, randomBase64Url } from '../emulator/random.js';
import { OTHER_AUDIENCE, OTHER_ISSUER, OTHER_SUBJECT, type IdTokenFault, type OpenIdFaultQueue } from './faults.js';
import { accessTokenHash, signCompact } from './jws.js';
import type { SigningKey, SigningKeys } from './signing-keys.js';

/** What the ID tokens of one OpenID Provider depend on. */
export interface IdTokenSettings {
	/** The issuer exactly as discovery names it. */
	readonly issuer: string;
	readonly keys: SigningKeys;
	readonly faults: OpenIdFaultQueue<IdTokenFault>;
	readonly counters: Counters;
	/** The emulator's clock, in milliseconds. */
	readonly now: () => number;
	/** Seconds: an ID token lives as long as the access token issued with it. */
	readonly lifetime: number;
	/** The `preferred_username` of a user id, when the user is known. */
	username(subject: string): string | undefined;
}

// An expired token is this far past `exp`, a future one this far ahead: beyond any clock tolerance a client allows
// (60 s by default).
const SKEWED_BY_SECONDS = 600;

/**
 * Signed ID tokens (JWS compact, `typ: JWT`, the current key's `alg` and `kid`) with the claims OpenID Connect Core 2
 * and 3.1.3.6 ask of a code flow: `iss`, `sub`, `aud`, `exp`, `iat`, `auth_time`, `nonce` (when the authorization
 * request had one), `at_hash`, and `preferred_username`. The next injected fault, if any, spoils it as
 * {@link IdTokenFault} says.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export function createIdTokenIssuer(settings: IdTokenSettings): IdTokenIssuer {
	const { issuer, keys, faults, counters } = settings;
	return {
		async issue(request: IdTokenRequest): Promise<string> {
			const fault = faults.take();
			counters.idTokenIssued(fault !== undefined);
			const now = Math.floor(settings.now() / 1000);
			const username = settings.username(request.subject);
			const claims: Record<string, unknown> = {
				iss: issuer,
				sub: request.subject,
				aud: request.clientId,
				exp: now + settings.lifetime,
				iat: now,
				...(request.authTime === undefined ? {} : { auth_time: request.authTime }),
				...(request.nonce === undefined ? {} : { nonce: request.nonce }),
				// `'bad-at-hash'`: the hash of an access token other than the one issued with it.
				at_hash: await accessTokenHash(keys.alg, fault === 'bad-at-hash' ? randomBase64Url(32) : request.accessToken),
				...(username === undefined ? {} : { preferred_username: username }),
			};
			// The rotation comes before the current key is read, so the token is signed with the new one.
			const key = fault === 'unknown-kid' ? await keys.rotate() : await keys.current();
			if (fault === 'alg-none') return unsecured(claims);
			const spoiled = spoilClaims(claims, fault, settings.lifetime, now);
			const signer = fault === 'foreign-key' ? await keys.foreign() : key;
			const token = await signCompact(keys.alg, signer.privateKey, header(key), spoiled);
			return fault === 'claim-changed' ? changeAfterSigning(token, { ...spoiled, preferred_username: 'admin' }) : token;
		},
	};
}

/** The protected header: the key's `alg` and `kid` (a `'foreign-key'` token names the current key's, not its signer's). */
function header(key: SigningKey): Record<string, string> {
	return { alg: key.alg, kid: key.kid, typ: 'JWT' };
}

/** The claims with the defect of the claim faults; the others (signature, key, header) leave them as they are. */
function spoilClaims(claims: Record<string, unknown>, fault: IdTokenFault | undefined, lifetime: number, now: number) {
	switch (fault) {
		case 'wrong-iss':
			return { ...claims, iss: OTHER_ISSUER };
		case 'wrong-aud':
			return { ...claims, aud: OTHER_AUDIENCE };
		case 'other-azp':
			return { ...claims, aud: [claims.aud, OTHER_AUDIENCE], azp: OTHER_AUDIENCE };
		case 'expired':
			return { ...claims, iat: now - SKEWED_BY_SECONDS - lifetime, exp: now - SKEWED_BY_SECONDS };
		case 'issued-in-future':
			return { ...claims, iat: now + SKEWED_BY_SECONDS, exp: now + SKEWED_BY_SECONDS + lifetime };
		case 'wrong-nonce':
			return { ...claims, nonce: randomBase64Url(16) };
		case 'other-sub':
			return { ...claims, sub: OTHER_SUBJECT };
		default:
			return claims;
	}
}

/** An unsecured JWT (RFC 7519 6.1): `alg: none` and an empty signature. */
function unsecured(claims: Record<string, unknown>): string {
	return `${base64UrlEncode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64UrlEncode(JSON.stringify(claims))}.`;
}

/** `token` with its payload replaced and its signature kept, as a token tampered with in transit. */
function changeAfterSigning(token: string, claims: Record<string, unknown>): string {
	const [protectedHeader, , signature] = token.split('.');
	return `${protectedHeader}.${base64UrlEncode(JSON.stringify(claims))}.${signature}`;
}
