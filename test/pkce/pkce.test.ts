import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeCodeChallenge, generateCodeVerifier, generateState } from '../../src/pkce.js';

/** RFC 7636 Appendix B: the 32 octets, their base64url verifier, and its S256 challenge. */
const APPENDIX_B = {
	octets: [
		116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132,
		141, 121,
	],
	verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
	challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
};

/** RFC 7636 4.1: `code-verifier = 43*128unreserved`, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('computeCodeChallenge (S256)', () => {
	it('fixture check, not a library test: the Appendix B values as transcribed here agree (octets -> verifier -> challenge, by node:crypto)', () => {
		expect(Buffer.from(APPENDIX_B.octets).toString('base64url')).toBe(APPENDIX_B.verifier);
		expect(createHash('sha256').update(APPENDIX_B.verifier, 'ascii').digest('base64url')).toBe(APPENDIX_B.challenge);
	});

	it('RFC 7636 Appendix B: verifier dBjftJeZ…EjXk -> challenge E9Melhoa…tw-cM', async () => {
		await expect(computeCodeChallenge(APPENDIX_B.verifier)).resolves.toBe(APPENDIX_B.challenge);
	});

	it('matches node:crypto for generated verifiers of every length: 43 base64url characters, no padding', async () => {
		for (const length of [43, 44, 64, 100, 127, 128]) {
			const verifier = generateCodeVerifier(length);
			const challenge = await computeCodeChallenge(verifier);
			expect(challenge).toBe(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
			expect(challenge).toHaveLength(43);
			expect(challenge).toMatch(BASE64URL);
		}
	});
});

describe('generateCodeVerifier', () => {
	it('default length is 64, within 43..128, from the unreserved set', () => {
		const verifier = generateCodeVerifier();
		expect(verifier).toHaveLength(64);
		expect(verifier).toMatch(VERIFIER);
	});

	it('every length from 43 to 128 gives exactly that many unreserved characters', () => {
		for (let length = 43; length <= 128; length += 1) {
			const verifier = generateCodeVerifier(length);
			expect(verifier).toHaveLength(length);
			expect(verifier).toMatch(VERIFIER);
		}
	});

	it('two verifiers differ; 200 verifiers are all distinct', () => {
		expect(generateCodeVerifier()).not.toBe(generateCodeVerifier());
		const many = new Set(Array.from({ length: 200 }, () => generateCodeVerifier(43)));
		expect(many.size).toBe(200);
	});

	it('uses the whole alphabet over many draws (not a constant or a narrow range)', () => {
		const seen = new Set(Array.from({ length: 200 }, () => generateCodeVerifier(128)).join(''));
		// 25 600 base64url characters: every one of the 64 symbols shows up.
		expect(seen.size).toBe(64);
	});

	it.each([42, 129, 0, -1, 64.5, Number.NaN, Number.POSITIVE_INFINITY])('length %s -> TypeError naming `length`', (length) => {
		expect(() => generateCodeVerifier(length)).toThrow(TypeError);
		expect(() => generateCodeVerifier(length)).toThrow('Expected `length` to be an integer from 43 to 128');
	});
});

describe('generateState', () => {
	it('is at least 43 base64url characters (256 bits)', () => {
		const state = generateState();
		expect(state.length).toBeGreaterThanOrEqual(43);
		expect(state).toMatch(BASE64URL);
	});

	it('two calls differ; 200 calls are all distinct', () => {
		expect(generateState()).not.toBe(generateState());
		expect(new Set(Array.from({ length: 200 }, () => generateState())).size).toBe(200);
	});
});
