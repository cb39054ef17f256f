import { exportJWK } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { type IdTokenCheck, IdTokenError } from '../../src/errors.js';
import { checkIdToken, type IdTokenExpectations } from '../../src/oidc/check-id-token.js';
import { createJwksSource, type JwksSource } from '../../src/oidc/jwks.js';
import { zodKit } from '../../src/oidc/zod-kit.js';
import { settle } from '../_helpers/outcome.js';
import { CLIENT_ID, fakeJwksEndpoint, ISSUER, makeKey, NONCE, NOW, sign } from '../_helpers/id-token-signer.js';

const EXPECTED: IdTokenExpectations = { issuer: ISSUER, clientId: CLIENT_ID, nonce: NONCE, now: NOW };
const MINUTE = 60_000;

/** A clock the test moves. */
function clock(start = NOW) {
	let time = start;
	return {
		now: () => time,
		advance(ms: number) {
			time += ms;
		},
	};
}

async function checkOf(promise: Promise<unknown>): Promise<IdTokenCheck | 'valid'> {
	try {
		await promise;
		return 'valid';
	} catch (error) {
		expect(error).toBeInstanceOf(IdTokenError);
		return (error as IdTokenError).check;
	}
}

function deferred() {
	let open!: () => void;
	const gate = new Promise<void>((resolve) => {
		open = resolve;
	});
	return { gate, open };
}

describe('createJwksSource: fetching and caching the issuer keys', () => {
	it('cache: the JWKS is fetched once and each key imported once for many checks', async () => {
		const key = await makeKey('ES256', 'k1');
		const endpoint = fakeJwksEndpoint([key]);
		const importKey = vi.spyOn(crypto.subtle, 'importKey');
		const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
		for (let i = 0; i < 5; i++) await checkIdToken(await sign(key), source, EXPECTED);
		expect(endpoint.fetches).toBe(1);
		expect(importKey).toHaveBeenCalledTimes(1);
	});

	it('single flight: 20 cold callers -> 1 fetch', async () => {
		const key = await makeKey('RS256', 'k1');
		const endpoint = fakeJwksEndpoint([key]);
		const { gate, open } = deferred();
		endpoint.gate = gate;
		const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
		const token = await sign(key);
		const checks = Array.from({ length: 20 }, () => checkOf(checkIdToken(token, source, EXPECTED)));
		open();
		expect(await Promise.all(checks)).toEqual(Array(20).fill('valid'));
		expect(endpoint.fetches).toBe(1);
	});

	it('key rotation: a kid unknown to the cached JWKS but in the refetched one -> valid, 1 refetch', async () => {
		const [oldKey, newKey] = [await makeKey('RS256', 'old'), await makeKey('RS256', 'new')];
		const endpoint = fakeJwksEndpoint([oldKey]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		await checkIdToken(await sign(oldKey), source, EXPECTED);
		endpoint.document = { keys: [oldKey.jwk, newKey.jwk] };
		time.advance(MINUTE);
		expect(await checkOf(checkIdToken(await sign(newKey), source, EXPECTED))).toBe('valid');
		expect(endpoint.fetches).toBe(2);
	});

	it('key rotation: 20 concurrent checks of a kid the cache lacks -> 1 refetch, all valid', async () => {
		const [oldKey, newKey] = [await makeKey('ES256', 'old'), await makeKey('ES256', 'new')];
		const endpoint = fakeJwksEndpoint([oldKey]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		await checkIdToken(await sign(oldKey), source, EXPECTED);
		endpoint.document = { keys: [newKey.jwk] };
		const { gate, open } = deferred();
		endpoint.gate = gate;
		time.advance(MINUTE);
		const token = await sign(newKey);
		const checks = Array.from({ length: 20 }, () => checkOf(checkIdToken(token, source, EXPECTED)));
		open();
		expect(await Promise.all(checks)).toEqual(Array(20).fill('valid'));
		expect(endpoint.fetches).toBe(2);
	});

	it('an unknown kid -> key, after exactly one refetch', async () => {
		const known = await makeKey('ES256', 'known');
		const stranger = await makeKey('ES256', 'stranger');
		const endpoint = fakeJwksEndpoint([known]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		await checkIdToken(await sign(known), source, EXPECTED);
		time.advance(MINUTE);
		expect(await checkOf(checkIdToken(await sign(stranger), source, EXPECTED))).toBe('key');
		expect(endpoint.fetches).toBe(2);
	});

	it('20 concurrent checks of an unknown kid -> 1 refetch, all key', async () => {
		const known = await makeKey('PS256', 'known');
		const stranger = await makeKey('PS256', 'stranger');
		const endpoint = fakeJwksEndpoint([known]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		await checkIdToken(await sign(known), source, EXPECTED);
		time.advance(MINUTE);
		const token = await sign(stranger);
		expect(await Promise.all(Array.from({ length: 20 }, () => checkOf(checkIdToken(token, source, EXPECTED))))).toEqual(
			Array(20).fill('key'),
		);
		expect(endpoint.fetches).toBe(2);
	});

	it('refetch cooldown: a kid unknown to a set fetched before -> one refetch; more unknown kids within 60 s of it -> key with no refetch; after 60 s, one more', async () => {
		const known = await makeKey('EdDSA', 'known');
		const endpoint = fakeJwksEndpoint([known]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		// The first fetch is for this token: its kid is not there, and fetching again at once would find the same set.
		expect(await checkOf(checkIdToken(await sign(await makeKey('EdDSA', 'a')), source, EXPECTED))).toBe('key');
		expect(endpoint.fetches).toBe(1);
		// A second later, another unknown kid: the keys may have been rotated since the set was read, so one refetch.
		time.advance(1_000);
		expect(await checkOf(source.key({ alg: 'EdDSA', kid: 'b' }))).toBe('key');
		expect(endpoint.fetches).toBe(2);
		time.advance(MINUTE - 1);
		for (const kid of ['c', 'd', 'e']) expect(await checkOf(source.key({ alg: 'EdDSA', kid }))).toBe('key');
		expect(endpoint.fetches).toBe(2);
		time.advance(1);
		expect(await checkOf(source.key({ alg: 'EdDSA', kid: 'f' }))).toBe('key');
		expect(await checkOf(source.key({ alg: 'EdDSA', kid: 'g' }))).toBe('key');
		expect(endpoint.fetches).toBe(3);
	});

	it('a refetch keeps the keys already imported', async () => {
		const key = await makeKey('RS256', 'k1');
		const endpoint = fakeJwksEndpoint([key]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		await checkIdToken(await sign(key), source, EXPECTED);
		const importKey = vi.spyOn(crypto.subtle, 'importKey');
		time.advance(MINUTE);
		await checkOf(source.key({ alg: 'RS256', kid: 'unknown' }));
		await checkIdToken(await sign(key), source, EXPECTED);
		expect(endpoint.fetches).toBe(2);
		expect(importKey).not.toHaveBeenCalled();
	});
});

describe('createJwksSource: failures', () => {
	it('a failed first fetch rejects with its own error and is not cached: the next call fetches again', async () => {
		const key = await makeKey('ES256', 'k1');
		const endpoint = fakeJwksEndpoint([key]);
		const outage = new Error('JWKS endpoint unreachable');
		endpoint.failure = outage;
		const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
		await expect(checkIdToken(await sign(key), source, EXPECTED)).rejects.toBe(outage);
		endpoint.failure = undefined;
		expect(await checkOf(checkIdToken(await sign(key), source, EXPECTED))).toBe('valid');
		expect(endpoint.fetches).toBe(2);
	});

	it('a failed refetch rejects, keeps the cached keys, and does not start the cooldown', async () => {
		const [oldKey, newKey] = [await makeKey('ES256', 'old'), await makeKey('ES256', 'new')];
		const endpoint = fakeJwksEndpoint([oldKey]);
		const time = clock();
		const source = createJwksSource(endpoint.fetchJwks, time.now, zodKit);
		await checkIdToken(await sign(oldKey), source, EXPECTED);
		time.advance(MINUTE);
		endpoint.failure = new Error('JWKS endpoint unreachable');
		await expect(checkIdToken(await sign(newKey), source, EXPECTED)).rejects.toBe(endpoint.failure);
		expect(await checkOf(checkIdToken(await sign(oldKey), source, EXPECTED))).toBe('valid');
		endpoint.failure = undefined;
		endpoint.document = { keys: [oldKey.jwk, newKey.jwk] };
		expect(await checkOf(checkIdToken(await sign(newKey), source, EXPECTED))).toBe('valid');
		expect(endpoint.fetches).toBe(3);
	});

	it.each([null, [], { keys: 'none' }, { keys: {} }, 'text'])(
		'a document that is not a JWK Set (%j) -> key, and not cached',
		async (document) => {
			const key = await makeKey('ES256', 'k1');
			const endpoint = fakeJwksEndpoint([key]);
			const good = endpoint.document;
			endpoint.document = document;
			const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
			expect(await checkOf(checkIdToken(await sign(key), source, EXPECTED))).toBe('key');
			endpoint.document = good;
			expect(await checkOf(checkIdToken(await sign(key), source, EXPECTED))).toBe('valid');
		},
	);

	it('an RSA key shorter than 2048 bits -> key', async () => {
		const pair = (await crypto.subtle.generateKey(
			{ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
			true,
			['sign', 'verify'],
		)) as CryptoKeyPair;
		const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'short' };
		const source = createJwksSource(async () => ({ keys: [jwk] }), clock().now, zodKit);
		expect(await checkOf(source.key({ alg: 'RS256', kid: 'short' }))).toBe('key');
	});
});

describe('createJwksSource: which keys of the set are used', () => {
	it('keys for encryption (use), without verify (key_ops), symmetric, of other curves or malformed are skipped', async () => {
		const key = await makeKey('ES256', 'sig');
		const es384 = { kty: 'EC', crv: 'P-384', kid: 'p384', x: 'AAAA', y: 'AAAA' };
		const keys = [
			{ ...key.jwk, kid: 'enc', use: 'enc' },
			{ ...key.jwk, kid: 'ops', key_ops: ['encrypt'] },
			{ kty: 'oct', kid: 'oct', k: 'c2VjcmV0' },
			es384,
			{ ...key.jwk, kid: 42 },
			'not a key',
			key.jwk,
		];
		const source = createJwksSource(async () => ({ keys }), clock().now, zodKit);
		for (const kid of ['enc', 'ops', 'oct', 'p384']) expect(await checkOf(source.key({ alg: 'ES256', kid }))).toBe('key');
		expect(await checkOf(source.key({ alg: 'HS256', kid: 'oct' }))).toBe('alg');
		expect(await checkOf(checkIdToken(await sign(key), source, EXPECTED))).toBe('valid');
		// Without a kid, the one ES256 key left is the one.
		expect(await checkOf(source.key({ alg: 'ES256' }))).toBe('valid');
	});

	it('a key of use "sig" with key_ops ["verify"] is used', async () => {
		const key = await makeKey('EdDSA', 'k1', { key_ops: ['verify'] });
		const source = createJwksSource(fakeJwksEndpoint([key]).fetchJwks, clock().now, zodKit);
		expect(await checkOf(checkIdToken(await sign(key), source, EXPECTED))).toBe('valid');
	});

	it('no kid in the token and several keys fit its alg -> key', async () => {
		const keys = [await makeKey('RS256', 'a'), await makeKey('RS256', 'b')];
		const source = createJwksSource(fakeJwksEndpoint(keys).fetchJwks, clock().now, zodKit);
		expect(await checkOf(source.key({ alg: 'RS256' }))).toBe('key');
	});

	it('one RSA JWK without alg serves RS256 and PS256, each imported for its own algorithm', async () => {
		const rs = await makeKey('RS256', 'rsa', { alg: undefined });
		const source: JwksSource = createJwksSource(fakeJwksEndpoint([rs]).fetchJwks, clock().now, zodKit);
		const rsKey = await source.key({ alg: 'RS256', kid: 'rsa' });
		const psKey = await source.key({ alg: 'PS256', kid: 'rsa' });
		expect([rsKey.algorithm.name, psKey.algorithm.name]).toEqual(['RSASSA-PKCS1-v1_5', 'RSA-PSS']);
	});
});

describe('createJwksSource: abort', () => {
	it("one caller's abort rejects that caller only; the shared fetch goes on for the others", async () => {
		const key = await makeKey('ES256', 'k1');
		const endpoint = fakeJwksEndpoint([key]);
		const { gate, open } = deferred();
		endpoint.gate = gate;
		const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
		const controller = new AbortController();
		const leaving = settle(source.key({ alg: 'ES256', kid: 'k1' }, controller.signal));
		const staying = settle(source.key({ alg: 'ES256', kid: 'k1' }, new AbortController().signal));
		const patient = settle(source.key({ alg: 'ES256', kid: 'k1' }));
		controller.abort(new Error('page left'));
		expect(await leaving).toMatchObject({ state: 'rejected', error: { message: 'page left' } });
		open();
		expect((await staying).state).toBe('resolved');
		expect((await patient).state).toBe('resolved');
		expect(endpoint.signals[0]?.aborted).toBe(false);
		expect(endpoint.fetches).toBe(1);
	});

	it('when every waiting caller has aborted, the fetch is aborted too, and the next call fetches again', async () => {
		const key = await makeKey('ES256', 'k1');
		const endpoint = fakeJwksEndpoint([key]);
		endpoint.gate = new Promise(() => undefined);
		const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
		const [first, second] = [new AbortController(), new AbortController()];
		const waits = [
			settle(source.key({ alg: 'ES256', kid: 'k1' }, first.signal)),
			settle(source.key({ alg: 'ES256', kid: 'k1' }, second.signal)),
		];
		first.abort();
		expect(endpoint.signals[0]?.aborted).toBe(false);
		second.abort();
		expect(endpoint.signals[0]?.aborted).toBe(true);
		expect((await Promise.all(waits)).map((outcome) => outcome.state)).toEqual(['rejected', 'rejected']);
		endpoint.gate = undefined;
		expect((await settle(source.key({ alg: 'ES256', kid: 'k1' }))).state).toBe('resolved');
		expect(endpoint.fetches).toBe(2);
	});

	it('an already aborted signal rejects at once, without a fetch', async () => {
		const endpoint = fakeJwksEndpoint([await makeKey('ES256', 'k1')]);
		const source = createJwksSource(endpoint.fetchJwks, clock().now, zodKit);
		const outcome = await settle(source.key({ alg: 'ES256', kid: 'k1' }, AbortSignal.abort()));
		expect(outcome.state).toBe('rejected');
		expect(endpoint.fetches).toBe(0);
	});
});
