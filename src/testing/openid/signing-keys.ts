import { randomBase64Url } from '../emulator/random.js';
import { generateSigningKeyPair, type IdTokenAlg } from './jws.js';

/** A public key as the JWKS publishes it. */
export interface PublicJwk {
	readonly kty: string;
	readonly kid: string;
	readonly alg: IdTokenAlg;
	readonly use: 'sig';
	readonly [member: string]: string;
}

/** One signing key of the OpenID Provider: its `kid`, the pair, and the public half as a JWK. */
export interface SigningKey {
	readonly kid: string;
	readonly alg: IdTokenAlg;
	readonly privateKey: CryptoKey;
	readonly publicKey: CryptoKey;
	readonly jwk: PublicJwk;
}

// The members of a public JWK per key type (RFC 7518 6, RFC 8037 2); Web Crypto's `key_ops`, `ext` and own `alg` are left out.
const PUBLIC_MEMBERS = ['kty', 'crv', 'n', 'e', 'x', 'y'] as const;

/**
 * The ID token signing keys: the current one signs, every one made so far stays in the JWKS, so tokens signed before a
 * rotation still verify. The first key is made when first needed (the first ID token, JWKS or logout request), not
 * when the emulator starts: an RSA key takes tens of milliseconds, which emulators that never serve OpenID should not
 * pay.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
export class SigningKeys {
	readonly alg: IdTokenAlg;
	// Promises, pushed synchronously, so the order of keys is the order of rotations even while keys are being made.
	readonly #keys: Promise<SigningKey>[] = [];

	constructor(alg: IdTokenAlg) {
		this.alg = alg;
	}

	/** The key that signs now. */
	current(): Promise<SigningKey> {
		return this.#keys.at(-1) ?? this.rotate();
	}

	/** A new key, published in the JWKS and signing from now on; the old ones stay published. */
	rotate(): Promise<SigningKey> {
		const key = createSigningKey(this.alg);
		this.#keys.push(key);
		return key;
	}

	/** Every key made so far, newest first (made now if there is none yet). */
	async all(): Promise<SigningKey[]> {
		if (this.#keys.length === 0) void this.rotate();
		return (await Promise.all(this.#keys)).reverse();
	}

	/**
	 * The JWK Set: every public key with its `kid`, `alg` and `use`.
	 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
	 */
	async jwks(): Promise<{ keys: PublicJwk[] }> {
		return { keys: (await this.all()).map((key) => key.jwk) };
	}

	/** The published key with this `kid`, if any. */
	async find(kid: unknown): Promise<SigningKey | undefined> {
		return (await this.all()).find((key) => key.kid === kid);
	}
}

/** A key of `alg` with a random `kid`, published nowhere: the one a `'foreign-key'` fault signs with. */
export async function createSigningKey(alg: IdTokenAlg): Promise<SigningKey> {
	const pair = await generateSigningKeyPair(alg);
	const exported = await crypto.subtle.exportKey('jwk', pair.publicKey);
	const kid = randomBase64Url(12);
	const members: Record<string, string> = {};
	for (const name of PUBLIC_MEMBERS) {
		const value = exported[name];
		if (typeof value === 'string') members[name] = value;
	}
	const jwk = { ...members, kty: exported.kty ?? '', kid, alg, use: 'sig' } as const;
	return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}
