import { invalidOption } from '../options.js';
import { assertionFetch } from './assertion-fetch.js';
import { type AssertionOptions, requireAudience, requireLifetime } from './client-assertion.js';
import type { ClientAuthMethod } from '../provider.js';

/** Options of {@link clientSecretJwt}. */
export type ClientSecretJwtOptions = AssertionOptions;

/**
 * Authenticate the client with a JWT signed with HS256 over its client secret (`client_secret_jwt`, RFC 7523 2.2;
 * OpenID Connect Core 9): the secret never travels, but the server must hold it too. The provider's `clientSecret`
 * is the key. Prefer {@link privateKeyJwt} where the server allows it (FAPI 2.0 does not allow this one).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 * @example
 * const provider = oauth2({ issuer, clientId, clientSecret, clientAuth: clientSecretJwt() });
 */
export function clientSecretJwt(options: ClientSecretJwtOptions = {}): ClientAuthMethod {
	const assertion = { audience: requireAudience(options.audience), lifetime: requireLifetime(options.lifetime) };
	const signingFor = (secret: string | undefined) => {
		if (!secret) throw invalidOption('clientSecret', 'a non-empty string with clientAuth clientSecretJwt()', secret);
		const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
		return {
			alg: 'HS256',
			sign: async (input: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.sign('HMAC', await key, input)),
		};
	};
	return Object.freeze({ method: 'client_secret_jwt' as const, authenticate: assertionFetch(signingFor, assertion) });
}
