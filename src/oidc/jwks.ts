import { IdTokenError } from '../errors.js';
import type { ZodKit } from './zod-kit.js';
import { joinSharedFetch, type SharedFetch } from './shared-fetch.js';
import { algorithmProfile, jwkFits } from '../jws-algorithms.js';
import { type IdTokenAlgorithm, requireIdTokenAlgorithm } from './algorithms.js';

/** Where ID token signatures are checked against: the issuer's JWKS, fetched when needed and cached. */
export interface JwksSource {
	/**
	 * The verification key for a JWS header: by `kid` when it has one, else the only key that fits `alg`.
	 * Unknown kid -> refetch the JWKS once (and not more than once per 60 s of the injected clock); still unknown ->
	 * IdTokenError('key', …).
	 */
	key(header: { readonly alg: string; readonly kid?: string | undefined }, signal?: AbortSignal): Promise<CryptoKey>;
}

/** The least time between two fetches of the JWKS: a stream of unknown `kid`s cannot make tokenkeeper hammer it. */
const REFETCH_COOLDOWN_MS = 60_000;

/** The JWK members tokenkeeper reads (RFC 7517 4, RFC 7518 6). */
interface Jwk {
	readonly kty: string;
	readonly kid?: string | undefined;
	readonly use?: string | undefined;
	readonly key_ops?: readonly string[] | undefined;
	readonly alg?: string | undefined;
	readonly crv?: string | undefined;
	readonly n?: string | undefined;
	readonly e?: string | undefined;
	readonly x?: string | undefined;
	readonly y?: string | undefined;
}

/**
 * RFC 7517 5: a JWK Set is an object whose `keys` is an array; each key is judged on its own, and one whose members
 * have other types is skipped. Built from the zod/mini functions of the bundle that loaded this chunk (see zod-kit.ts).
 */
function jwksSchemas(z: ZodKit) {
	const text = z.custom<string>((value) => typeof value === 'string');
	const optionalText = z.optional(text);
	const textList = z.custom<readonly string[]>((value) => Array.isArray(value) && value.every((item) => typeof item === 'string'));
	return {
		set: z.object({ keys: z.custom<readonly unknown[]>(Array.isArray) }),
		key: z.object({
			kty: text,
			kid: optionalText,
			use: optionalText,
			key_ops: z.optional(textList),
			alg: optionalText,
			crv: optionalText,
			n: optionalText,
			e: optionalText,
			x: optionalText,
			y: optionalText,
		}),
	};
}
type JwksSchemas = ReturnType<typeof jwksSchemas>;

/** One verification key of the JWKS; imported once per algorithm it is used with (an RSA key may serve RS256 and PS256). */
interface JwksKey {
	readonly jwk: Jwk;
	/** The public members only: Web Crypto then never judges the JWK's `alg`, `key_ops` or private members. */
	readonly publicJwk: JsonWebKey;
	readonly imported: Map<IdTokenAlgorithm, Promise<CryptoKey>>;
}

/** The members Web Crypto needs, for the key types tokenkeeper verifies with; undefined for any other (`oct`, X25519…). */
function publicMembers({ kty, crv, n, e, x, y }: Jwk): JsonWebKey | undefined {
	if (kty === 'RSA' && n && e) return { kty, n, e };
	if (kty === 'EC' && crv === 'P-256' && x && y) return { kty, crv, x, y };
	if (kty === 'OKP' && crv === 'Ed25519' && x) return { kty, crv, x };
	return undefined;
}

/**
 * The signature keys of a JWKS document: keys for encryption (`use` other than `sig`), keys whose `key_ops` lack
 * `verify`, and key types tokenkeeper does not verify with are left out. Keys already imported keep their import.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4.2
 */
function readJwks(schemas: JwksSchemas, document: unknown, previous: readonly JwksKey[]): JwksKey[] {
	const parsed = schemas.set.safeParse(document);
	if (!parsed.success) {
		throw new IdTokenError('key', "The issuer's JWKS is not a JSON Web Key Set (an object with `keys`). Check the provider's `jwks_uri`.");
	}
	const known = new Map(previous.map((entry) => [JSON.stringify([entry.jwk.kid, entry.jwk.alg, entry.publicJwk]), entry]));
	const keys: JwksKey[] = [];
	for (const item of parsed.data.keys) {
		const jwk = schemas.key.safeParse(item);
		if (!jwk.success) continue;
		if (jwk.data.use !== undefined && jwk.data.use !== 'sig') continue;
		if (jwk.data.key_ops !== undefined && !jwk.data.key_ops.includes('verify')) continue;
		const publicJwk = publicMembers(jwk.data);
		if (!publicJwk) continue;
		const identity = JSON.stringify([jwk.data.kid, jwk.data.alg, publicJwk]);
		keys.push(known.get(identity) ?? { jwk: jwk.data, publicJwk, imported: new Map() });
	}
	return keys;
}

/**
 * The key a header names, or undefined when the JWKS has none. With a `kid`, a key of that `kid` that fits `alg`:
 * one of another type, or one whose own `alg` is another, is the `alg` check failing (the token claims an algorithm
 * its key is not for). Without a `kid`, the one key that fits `alg`; several are ambiguous.
 */
function select(keys: readonly JwksKey[], alg: IdTokenAlgorithm, kid: string | undefined): JwksKey | undefined {
	const usableFor = (entry: JwksKey) => entry.jwk.alg === undefined || entry.jwk.alg === alg;
	if (kid === undefined) {
		const fitting = keys.filter((entry) => jwkFits(entry.jwk, alg) && usableFor(entry));
		if (fitting.length > 1) {
			throw new IdTokenError(
				'key',
				`The ID token names no key (\`kid\`) and the issuer's JWKS has several ${alg} keys. Have the provider put \`kid\` in its ID tokens.`,
			);
		}
		return fitting[0];
	}
	const named = keys.filter((entry) => entry.jwk.kid === kid);
	if (named.length === 0) return undefined;
	const fitting = named.filter((entry) => jwkFits(entry.jwk, alg));
	const usable = fitting.find(usableFor);
	if (!usable) {
		const why = fitting.length === 0 ? `is not a key for ${alg}` : 'is declared for another algorithm (its JWK `alg`)';
		throw new IdTokenError(
			'alg',
			`The issuer's key that the ID token names (its \`kid\`) ${why}: the token claims an algorithm its key is not for, and is refused.`,
		);
	}
	return usable;
}

function importKey(entry: JwksKey, alg: IdTokenAlgorithm): Promise<CryptoKey> {
	let importing = entry.imported.get(alg);
	if (!importing) {
		if (!globalThis.crypto?.subtle) {
			throw new IdTokenError(
				'key',
				'Checking ID tokens needs Web Crypto (crypto.subtle), which this runtime lacks: serve the page over https (a secure context), or use Node 20+.',
			);
		}
		importing = crypto.subtle.importKey('jwk', entry.publicJwk, algorithmProfile(alg).importAs, false, ['verify']).then(
			(key) => {
				const modulusLength = (key.algorithm as Partial<RsaHashedKeyAlgorithm>).modulusLength;
				// RFC 7518 3.3 and 3.5: RSA keys of 2048 bits or more.
				if (modulusLength !== undefined && modulusLength < 2048) {
					throw new IdTokenError('key', `The issuer's ${alg} key is shorter than 2048 bits, which is refused (RFC 7518 3.3).`);
				}
				return key;
			},
			(error: unknown) => {
				throw new IdTokenError(
					'key',
					`The issuer's ${alg} key could not be imported with Web Crypto: it is malformed, or this runtime lacks ${alg}.`,
					{
						cause: error,
					},
				);
			},
		);
		// A failed import is not kept: a later JWKS may hold a good key under the same entry's identity.
		importing.catch(() => entry.imported.delete(alg));
		entry.imported.set(alg, importing);
	}
	return importing;
}

/**
 * The issuer's JWKS as a {@link JwksSource}: fetched at the first use, its keys imported (Web Crypto) when first used
 * and cached. A `kid` the cached set lacks (the provider rotated its keys) fetches the set again, once, and not more
 * than once per 60 s of `now()` (epoch ms); callers asking meanwhile share that one fetch. A failed fetch rejects
 * with its own error and leaves the cached set as it was.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 * @example
 * const keys = createJwksSource((signal) => fetch(jwksUri, { signal }).then((answer) => answer.json()), Date.now, zodKit);
 * const claims = await checkIdToken(idToken, keys, { issuer, clientId, nonce, now: Date.now() });
 */
export function createJwksSource(fetchJwks: (signal?: AbortSignal) => Promise<unknown>, now: () => number, zod: ZodKit): JwksSource {
	const schemas = jwksSchemas(zod);
	let keys: readonly JwksKey[] | undefined;
	// When an unknown kid last had the set fetched again (one refetch per cooldown; the first fetch starts none).
	let refetchedAt = Number.NEGATIVE_INFINITY;
	let fetching: SharedFetch<readonly JwksKey[]> | undefined;

	function fetchKeys(signal: AbortSignal | undefined): Promise<readonly JwksKey[]> {
		if (!fetching) {
			const controller = new AbortController();
			const started: SharedFetch<readonly JwksKey[]> = {
				controller,
				waiting: 0,
				held: false,
				keys: fetchJwks(controller.signal)
					.then((document) => {
						keys = readJwks(schemas, document, keys ?? []);
						return keys;
					})
					.finally(() => {
						fetching = undefined;
					}),
			};
			fetching = started;
		}
		return joinSharedFetch(fetching, signal);
	}

	return {
		async key(header, signal) {
			signal?.throwIfAborted();
			const alg = requireIdTokenAlgorithm(header.alg);
			// A set fetched for this very token would be fetched again for nothing.
			const first = keys === undefined;
			let found = select(keys ?? (await fetchKeys(signal)), alg, header.kid);
			if (!found && !first && (fetching || now() - refetchedAt >= REFETCH_COOLDOWN_MS)) {
				const startedAt = now();
				found = select(await fetchKeys(signal), alg, header.kid);
				// Only a refetch that answered starts the cooldown: a failed one may be tried again at once.
				refetchedAt = Math.max(refetchedAt, startedAt);
			}
			if (!found) {
				throw new IdTokenError(
					'key',
					header.kid === undefined
						? `The issuer's JWKS has no ${alg} key for this ID token. Check the provider's \`jwks_uri\` and signing algorithm.`
						: "The issuer's JWKS, as fetched again now or within the last minute, has no key with the ID token's `kid`: the token was not signed with the issuer's current keys. Log in again; if this repeats, check the provider's `jwks_uri`.",
				);
			}
			return importKey(found, alg);
		},
	};
}
