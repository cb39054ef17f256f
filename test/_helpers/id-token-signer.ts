import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * An independent issuer of ID tokens for the checker's tests: keys made, exported and used by `jose`, never by
 * tokenkeeper's own code, so a mistake in the checker is not mirrored in the tokens it is tested with.
 */

export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export const ISSUER = 'https://id.example';
export const CLIENT_ID = 'spa-client';
export const NONCE = 'nonce-of-this-login-4f2a9c';
/** Epoch ms of every check, unless a test moves the clock. */
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface TestKey {
	readonly alg: SigningAlgorithm;
	readonly kid: string;
	readonly privateKey: CryptoKey;
	/** The public JWK as a JWKS lists it: with `kid`, `alg` and `use`. */
	readonly jwk: JWK;
}

export async function makeKey(alg: SigningAlgorithm, kid: string, members: Partial<JWK> = {}): Promise<TestKey> {
	const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
	return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', ...members } };
}

/** The claims of a valid ID token of this login, issued a moment ago. */
export function validClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
	const iat = Math.floor(NOW / 1000) - 5;
	return { iss: ISSUER, sub: 'user-8812', aud: CLIENT_ID, exp: iat + 300, iat, nonce: NONCE, ...extra };
}

/** An ID token signed by `key` (jose), with `header` over what the key implies. */
export function sign(key: TestKey, claims: Record<string, unknown> = validClaims(), header: Record<string, unknown> = {}): Promise<string> {
	return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** `at_hash` computed with node:crypto: the left half of the hash of the ASCII access token, base64url. */
export function atHash(accessToken: string, hash: 'sha256' | 'sha512'): string {
	const digest = createHash(hash).update(accessToken, 'ascii').digest();
	return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** A JWKS endpoint as a function, counting its fetches; its document can be swapped (key rotation) or made to fail. */
export interface FakeJwksEndpoint {
	readonly fetchJwks: (signal?: AbortSignal) => Promise<unknown>;
	readonly fetches: number;
	/** What the next fetches answer. */
	document: unknown;
	/** When set, fetches reject with it. */
	failure: Error | undefined;
	/** When set, each fetch waits for it before answering (several callers then overlap). */
	gate: Promise<void> | undefined;
	/** The signals fetches were given. */
	readonly signals: (AbortSignal | undefined)[];
}

export function fakeJwksEndpoint(keys: readonly TestKey[]): FakeJwksEndpoint {
	let fetches = 0;
	const endpoint: FakeJwksEndpoint = {
		document: { keys: keys.map((key) => key.jwk) },
		failure: undefined,
		gate: undefined,
		signals: [],
		get fetches() {
			return fetches;
		},
		async fetchJwks(signal) {
			fetches += 1;
			endpoint.signals.push(signal);
			const gate = endpoint.gate;
			if (gate) {
				await new Promise<void>((resolve, reject) => {
					gate.then(resolve);
					signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
				});
			}
			signal?.throwIfAborted();
			if (endpoint.failure) throw endpoint.failure;
			return structuredClone(endpoint.document);
		},
	};
	return endpoint;
}
