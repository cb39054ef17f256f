import { InvalidOptionError } from '../../errors.js';

/**
 * How an injected fault spoils the next ID token the OAuth2 server issues (at a code exchange, a device login or a
 * refresh); the token response is otherwise normal. Each is one defect an OpenID client must catch:
 * - `'claim-changed'`: `preferred_username` is changed to `admin` after signing, so only the signature check fails.
 * - `'wrong-iss'`: `iss` is `https://another-issuer.example`, not the emulator's issuer (another provider's token).
 * - `'wrong-aud'`: `aud` is `another-client`, not the client's id (a token issued to someone else).
 * - `'other-azp'`: `aud` lists the client and `another-client`, and `azp` names `another-client` (issued to it).
 * - `'expired'`: `exp` is 10 minutes ago (and `iat` one token lifetime before it), past any clock tolerance.
 * - `'issued-in-future'`: `iat` is 10 minutes ahead (and `exp` one token lifetime after it), past any clock tolerance.
 * - `'bad-at-hash'`: `at_hash` is the hash of another access token (the ID token paired with a swapped access token).
 * - `'alg-none'`: an unsecured JWT: header `alg: none`, no `kid`, an empty signature (RFC 7519 6).
 * - `'foreign-key'`: signed by a key that is not in the JWKS, under the current key's `kid`.
 * - `'wrong-nonce'`: `nonce` is a random value, not the authorization request's (another login's token), also on
 *   a refresh, whose ID token carries no nonce otherwise.
 * - `'other-sub'`: `sub` is `another-user` (after a refresh: the user changed, OpenID Connect Core 12.2).
 * - `'unknown-kid'`: the signing key is rotated first (as `rotateSigningKey()` does): the token is valid, but signed
 *   under a `kid` that a client's cached JWKS does not hold yet, so it must fetch the JWKS again.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export type IdTokenFault =
	| 'claim-changed'
	| 'wrong-iss'
	| 'wrong-aud'
	| 'other-azp'
	| 'expired'
	| 'issued-in-future'
	| 'bad-at-hash'
	| 'alg-none'
	| 'foreign-key'
	| 'wrong-nonce'
	| 'other-sub'
	| 'unknown-kid';

/**
 * How an injected fault spoils the next userinfo answer: `'other-sub'` answers `sub: 'another-user'`, which a client
 * must refuse as not the ID token's subject (OpenID Connect Core 5.3.4).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export type UserinfoFault = 'other-sub';

/** How many ID tokens or userinfo answers an injected OpenID fault spoils. */
export interface InjectOpenIdFaultOptions {
	/** A positive integer or `Infinity`. Default 1: the next one only. */
	times?: number;
}

/** The `sub` the `'other-sub'` faults put where the user's id belongs. */
export const OTHER_SUBJECT = 'another-user';

/** The `aud` of a `'wrong-aud'` fault. */
export const OTHER_AUDIENCE = 'another-client';

/** The `iss` of a `'wrong-iss'` fault. */
export const OTHER_ISSUER = 'https://another-issuer.example';

const ID_TOKEN_FAULTS: readonly IdTokenFault[] = [
	'claim-changed',
	'wrong-iss',
	'wrong-aud',
	'other-azp',
	'expired',
	'issued-in-future',
	'bad-at-hash',
	'alg-none',
	'foreign-key',
	'wrong-nonce',
	'other-sub',
	'unknown-kid',
];
const USERINFO_FAULTS: readonly UserinfoFault[] = ['other-sub'];

/** Injected faults of one kind (ID token or userinfo), served first-injected first, each until its `times` are used up. */
export class OpenIdFaultQueue<F extends string> {
	readonly #name: string;
	readonly #known: readonly F[];
	#queue: { readonly fault: F; remaining: number }[] = [];

	constructor(name: string, known: readonly F[]) {
		this.#name = name;
		this.#known = known;
	}

	/** Validates and queues a fault; throws an InvalidOptionError (a TypeError) naming the bad field. */
	add(fault: F, options: InjectOpenIdFaultOptions = {}): void {
		if (!this.#known.includes(fault)) {
			throw new InvalidOptionError(
				this.#name,
				`Expected \`${this.#name}\` to be one of ${this.#known.join(', ')}, got \`${String(fault)}\``,
			);
		}
		const { times = 1 } = options;
		if (typeof times !== 'number' || !(times === Infinity || (Number.isInteger(times) && times > 0))) {
			throw new InvalidOptionError('times', `Expected \`times\` to be a positive integer or Infinity, got \`${String(times)}\``);
		}
		this.#queue.push({ fault, remaining: times });
	}

	/** The fault for the next ID token or userinfo answer, if any; using it spends one of its `times`. */
	take(): F | undefined {
		const entry = this.#queue[0];
		if (entry === undefined) return undefined;
		entry.remaining -= 1;
		if (entry.remaining <= 0) this.#queue.shift();
		return entry.fault;
	}

	clear(): void {
		this.#queue = [];
	}
}

/** A queue of ID token faults, as `injectIdTokenFault()` fills it. */
export function idTokenFaults(): OpenIdFaultQueue<IdTokenFault> {
	return new OpenIdFaultQueue('fault', ID_TOKEN_FAULTS);
}

/** A queue of userinfo faults, as `injectUserinfoFault()` fills it. */
export function userinfoFaults(): OpenIdFaultQueue<UserinfoFault> {
	return new OpenIdFaultQueue('fault', USERINFO_FAULTS);
}
