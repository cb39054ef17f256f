import { InvalidOptionError } from '../errors.js';
import { algorithmProfile, isJwsAlgorithm, type JwsAlgorithm } from '../jws-algorithms.js';
import { invalidOption } from '../options.js';
import { assertionFetch } from './assertion-fetch.js';
import { type AssertionOptions, type AssertionSigning, requireAudience, requireLifetime } from './client-assertion.js';
import type { ClientAuthMethod } from '../provider.js';

/** A key held elsewhere (a KMS, an HSM): it signs the JWS signing input and returns the signature as JWS wants it. */
export interface AssertionSigner {
	/** The signature over `input`: for ES256 the raw `r || s` (64 bytes, as Web Crypto gives it), not DER. */
	sign(input: Uint8Array<ArrayBuffer>): Promise<Uint8Array | ArrayBuffer>;
}

/** Options of {@link privateKeyJwt}. */
export interface PrivateKeyJwtOptions extends AssertionOptions {
	/**
	 * The client's private key: a Web Crypto `CryptoKey` (usage `sign`), a private JWK (with `d`; its `kid` and `alg`
	 * are used when present), or a signer for a key that never leaves a KMS or an HSM (then `alg` is required).
	 */
	readonly privateKey: CryptoKey | JsonWebKey | AssertionSigner;
	/** The `kid` of the assertion's header: the key's id in the client's registered JWKS. Default: the JWK's `kid`. */
	readonly kid?: string | undefined;
	/** ES256, PS256, RS256 or EdDSA. Default: the JWK's `alg`, else what the key is (an RSA key: RS256). */
	readonly alg?: JwsAlgorithm | undefined;
}

const FROM_KEY_ALGORITHM: Readonly<Record<string, JwsAlgorithm>> = {
	ECDSA: 'ES256',
	'RSASSA-PKCS1-v1_5': 'RS256',
	'RSA-PSS': 'PS256',
	Ed25519: 'EdDSA',
};

function isCryptoKey(value: object): value is CryptoKey {
	return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

function isSigner(value: object): value is AssertionSigner {
	return typeof (value as Partial<AssertionSigner>).sign === 'function';
}

function requireAlg(alg: unknown): JwsAlgorithm {
	if (isJwsAlgorithm(alg)) return alg;
	// The name only when it looks like one: it is not secret, but it may be anything the caller passed.
	throw invalidOption('alg', '"ES256", "PS256", "RS256" or "EdDSA"', alg, typeof alg === 'string' && /^\w{1,12}$/.test(alg));
}

/** The algorithm a JWK (by its `alg`, else its key type) signs with. */
function algOfJwk(jwk: JsonWebKey): JwsAlgorithm {
	if (jwk.alg !== undefined) return requireAlg(jwk.alg);
	if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
	if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
	if (jwk.kty === 'RSA') return 'RS256';
	throw new InvalidOptionError('privateKey', 'Expected `privateKey` to be an RSA, EC P-256 or Ed25519 key, got another kind of JWK');
}

/** What a CryptoKey signs with: its algorithm (and curve). */
function algOfCryptoKey(key: CryptoKey): JwsAlgorithm {
	const alg = FROM_KEY_ALGORITHM[key.algorithm.name];
	if (alg === undefined || (alg === 'ES256' && (key.algorithm as EcKeyAlgorithm).namedCurve !== 'P-256')) {
		throw new InvalidOptionError('privateKey', 'Expected `privateKey` to be an RSA, ECDSA P-256 or Ed25519 key');
	}
	return alg;
}

/** The signature with a JWK or a CryptoKey, the JWK imported once, on the first request. */
function keySigning(privateKey: CryptoKey | JsonWebKey, alg: JwsAlgorithm): (input: Uint8Array<ArrayBuffer>) => Promise<Uint8Array> {
	let key: Promise<CryptoKey> | undefined;
	const profile = algorithmProfile(alg);
	return async (input) => {
		key ??= isCryptoKey(privateKey)
			? Promise.resolve(privateKey)
			: crypto.subtle.importKey('jwk', privateKey, profile.importAs, false, ['sign']).catch(() => {
					key = undefined;
					// Never the key, nor Web Crypto's message about it (which may quote it): what was expected.
					throw new InvalidOptionError('privateKey', `Expected \`privateKey\` to be a private ${alg} JWK Web Crypto can import`);
				});
		return new Uint8Array(await crypto.subtle.sign(profile.verifyWith, await key, input));
	};
}

/** How `privateKey` signs: its `alg`, `kid` and signature. Checked when the method is made. */
function signingOf({ privateKey, alg, kid }: PrivateKeyJwtOptions): AssertionSigning {
	if (typeof privateKey !== 'object' || privateKey === null) {
		throw invalidOption('privateKey', 'a CryptoKey, a private JWK or a signer', privateKey);
	}
	if (isCryptoKey(privateKey)) {
		if (privateKey.type !== 'private' || !privateKey.usages.includes('sign')) {
			throw new InvalidOptionError('privateKey', 'Expected `privateKey` to be a private CryptoKey with usage "sign"');
		}
		const algorithm = alg === undefined ? algOfCryptoKey(privateKey) : requireAlg(alg);
		return { alg: algorithm, kid, sign: keySigning(privateKey, algorithm) };
	}
	if (isSigner(privateKey)) {
		if (alg === undefined) throw invalidOption('alg', 'set with a signer: the algorithm it signs with', undefined);
		const algorithm = requireAlg(alg);
		return { alg: algorithm, kid, sign: async (input) => new Uint8Array(await privateKey.sign(input)) };
	}
	const jwk = privateKey as JsonWebKey & { readonly kid?: unknown };
	if (typeof jwk.d !== 'string')
		throw new InvalidOptionError('privateKey', 'Expected `privateKey` to be a private JWK (with `d`), got a public one');
	const algorithm = alg === undefined ? algOfJwk(jwk) : requireAlg(alg);
	// Only what Web Crypto needs: `alg`, `use` or `key_ops` naming another use would make the import fail.
	const { alg: _alg, use: _use, key_ops: _ops, ext: _ext, ...material } = jwk;
	return { alg: algorithm, kid: kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined), sign: keySigning(material, algorithm) };
}

/**
 * Authenticate the client with a JWT signed by its private key (`private_key_jwt`, RFC 7523 2.2; OpenID Connect Core
 * 9), as FAPI 2.0 asks: a new assertion on every request that authenticates the client (token, PAR, revocation,
 * device authorization, token exchange), its `aud` the server's issuer identifier. Signed with Web Crypto: ES256,
 * PS256, RS256 or EdDSA. The key is never logged, serialized or stored with the session.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @example
 * const provider = oauth2({ issuer, clientId, clientAuth: privateKeyJwt({ privateKey: jwk }) });
 */
export function privateKeyJwt(options: PrivateKeyJwtOptions): ClientAuthMethod {
	const given = options ?? ({} as PrivateKeyJwtOptions);
	const signing = signingOf(given);
	const assertion = { audience: requireAudience(given.audience), lifetime: requireLifetime(given.lifetime) };
	return Object.freeze({ method: 'private_key_jwt' as const, authenticate: assertionFetch(() => signing, assertion) });
}
