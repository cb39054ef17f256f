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

// RSA key generation takes 0.1 to 0.8 s (measured on a 2-core CI machine), which every login with `openid` would pay
// on its token request: an emulator's first key pair is made once per process and algorithm, under the emulator's own
// random `kid`. Rotations and foreign keys are new pairs.
const firstPairs = new Map<IdTokenAlg, Promise<CryptoKeyPair>>();

function firstPair(alg: IdTokenAlg): Promise<CryptoKeyPair> {
	let pair = firstPairs.get(alg);
	if (pair === undefined) {
		pair = generateSigningKeyPair(alg);
		firstPairs.set(alg, pair);
	}
	return pair;
}

/**
 * The ID token signing keys: the current one signs, every one made so far stays in the JWKS, so tokens signed before a
 * rotation still verify. The first key is made when first needed (the first ID token, JWKS or logout request), not
 * when the emulator starts, so emulators that never serve OpenID pay nothing for it; its key pair may be another
 * emulator's of the same process, under its own `kid`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
export class SigningKeys {
	readonly alg: IdTokenAlg;
	// Promises, pushed synchronously, so the order of keys is the order of rotations even while keys are being made.
	readonly #keys: Promise<SigningKey>[] = [];
	// A new key made ahead of a fault that needs one, so the token request does not wait for it.
	#spare: Promise<SigningKey> | undefined;

	constructor(alg: IdTokenAlg) {
		this.alg = alg;
	}

	/** The key that signs now. */
	current(): Promise<SigningKey> {
		return this.#keys.at(-1) ?? this.#push(signingKey(this.alg, firstPair(this.alg)));
	}

	/** A new key, published in the JWKS and signing from now on; the old ones stay published. */
	rotate(): Promise<SigningKey> {
		return this.#push(this.#takeSpare());
	}

	/** A new key published nowhere: the one a `'foreign-key'` fault signs with. */
	foreign(): Promise<SigningKey> {
		return this.#takeSpare();
	}

	/** Starts making the key the next rotation or foreign key will use, unless one is being made already. */
	prepare(): void {
		if (this.#spare !== undefined) return;
		const spare = createSigningKey(this.alg);
		// Awaited by whoever takes it; a failure must not surface as an unhandled rejection before that.
		spare.catch(() => {});
		this.#spare = spare;
	}

	/** Every key made so far, newest first (the first one made now if there is none yet). */
	async all(): Promise<SigningKey[]> {
		if (this.#keys.length === 0) void this.current();
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

	#push(key: Promise<SigningKey>): Promise<SigningKey> {
		this.#keys.push(key);
		return key;
	}

	#takeSpare(): Promise<SigningKey> {
		const key = this.#spare ?? createSigningKey(this.alg);
		this.#spare = undefined;
		return key;
	}
}

/** A key of `alg` made now, with a random `kid`. */
export function createSigningKey(alg: IdTokenAlg): Promise<SigningKey> {
	return signingKey(alg, generateSigningKeyPair(alg));
}

/** The signing key of `pair` under a new random `kid`, its public half exported as a JWK. */
async function signingKey(alg: IdTokenAlg, pair: Promise<CryptoKeyPair>): Promise<SigningKey> {
	const { privateKey, publicKey } = await pair;
	const exported = await crypto.subtle.exportKey('jwk', publicKey);
	const kid = randomBase64Url(12);
	const members: Record<string, string> = {};
	for (const name of PUBLIC_MEMBERS) {
		const value = exported[name];
		if (typeof value === 'string') members[name] = value;
	}
	const jwk = { ...members, kty: exported.kty ?? '', kid, alg, use: 'sig' } as const;
	return { kid, alg, privateKey, publicKey, jwk };
}
