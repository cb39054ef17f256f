import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTokenSet, fromTokenSetRecord, isFresh, toTokenSetRecord, type TokenSet } from '../../src/token-set.js';

const NOW = 1_700_000_000_000;
const ACCESS = 'AT-0123456789abcdef';
const REFRESH = 'RT-fedcba9876543210';
const ID_TOKEN = 'IT-a1b2c3d4e5f6g7h8';

function fullTokenSet(): TokenSet {
	return createTokenSet(
		{ accessToken: ACCESS, tokenType: 'bearer', expiresIn: 3600, refreshToken: REFRESH, idToken: ID_TOKEN, scope: 'api read' },
		NOW,
	);
}

/** Every substring of `token` of at least `min` characters. */
function substringsOf(token: string, min = 6): string[] {
	const parts: string[] = [];
	for (let start = 0; start + min <= token.length; start += 1) {
		for (let end = start + min; end <= token.length; end += 1) parts.push(token.slice(start, end));
	}
	return parts;
}

/** The substrings of any token that occur in `text`: expected to be none. */
function leakedParts(text: string): string[] {
	return [ACCESS, REFRESH, ID_TOKEN].flatMap((token) => substringsOf(token)).filter((part) => text.includes(part));
}

describe('TokenSet', () => {
	// ES modules run in strict mode, so a write to a frozen object throws instead of failing silently.
	it('is immutable: frozen, and assigning any field throws in strict mode', () => {
		const tokenSet = fullTokenSet() as unknown as Record<string, unknown>;
		expect(Object.isFrozen(tokenSet)).toBe(true);
		expect(() => {
			tokenSet.tokenType = 'MAC';
		}).toThrow(TypeError);
		expect(() => {
			tokenSet.expiresAt = 0;
		}).toThrow(TypeError);
		expect(() => {
			tokenSet.accessToken = 'stolen';
		}).toThrow(TypeError);
		expect(() => {
			tokenSet.refreshToken = 'stolen';
		}).toThrow(TypeError);
		expect(() => {
			tokenSet.added = 1;
		}).toThrow(TypeError);
		expect(tokenSet.accessToken).toBe(ACCESS);
		expect(tokenSet.tokenType).toBe('Bearer');
		expect(tokenSet.added).toBeUndefined();
	});

	it('token type: `bearer` in any case -> `Bearer`; missing -> `Bearer`; others keep their spelling', () => {
		expect(createTokenSet({ accessToken: ACCESS, tokenType: 'bearer' }).tokenType).toBe('Bearer');
		expect(createTokenSet({ accessToken: ACCESS, tokenType: 'BEARER' }).tokenType).toBe('Bearer');
		expect(createTokenSet({ accessToken: ACCESS }).tokenType).toBe('Bearer');
		expect(createTokenSet({ accessToken: ACCESS, tokenType: 'DPoP' }).tokenType).toBe('DPoP');
	});

	it('time is data: expiresAt = receivedAt + expires_in * 1000', () => {
		const tokenSet = createTokenSet({ accessToken: ACCESS, expiresIn: 3600 }, NOW);
		expect(tokenSet.expiresAt).toBe(NOW + 3_600_000);
		expect((tokenSet as { receivedAt?: number }).receivedAt).toBe(NOW);
		expect(createTokenSet({ accessToken: ACCESS, expiresIn: 0 }, NOW).expiresAt).toBe(NOW);
		expect(createTokenSet({ accessToken: ACCESS }, NOW).expiresAt).toBeUndefined();
		expect(createTokenSet({ accessToken: ACCESS, expiresAt: NOW + 5 }, NOW).expiresAt).toBe(NOW + 5);
	});

	it('an empty or missing access token -> TypeError naming `accessToken`', () => {
		expect(() => createTokenSet({ accessToken: '' })).toThrow(/Expected `accessToken`/);
		expect(() => createTokenSet({} as never)).toThrow(TypeError);
	});

	it('getters still give the tokens to code that needs them', () => {
		const tokenSet = fullTokenSet();
		expect(tokenSet.accessToken).toBe(ACCESS);
		expect(tokenSet.refreshToken).toBe(REFRESH);
		expect(tokenSet.idToken).toBe(ID_TOKEN);
		expect(tokenSet.scope).toBe('api read');
	});

	describe('never prints a token, not even a part of one (>= 6 characters)', () => {
		const renderings: Array<[string, (tokenSet: TokenSet) => string]> = [
			['toJSON()', (t) => JSON.stringify((t as unknown as { toJSON(): unknown }).toJSON())],
			['toString()', (t) => t.toString()],
			['String()', (t) => String(t)],
			['template literal', (t) => `${t}`],
			['JSON.stringify', (t) => JSON.stringify(t)],
			['JSON.stringify nested', (t) => JSON.stringify({ session: { tokens: t } })],
			['util.inspect', (t) => inspect(t)],
			['util.inspect showHidden depth 10', (t) => inspect(t, { showHidden: true, depth: 10 })],
			['util.inspect nested', (t) => inspect({ session: { tokens: [t] } }, { depth: 10 })],
			["util.format('%o')", (t) => format('%o', t)],
			["util.format('%O')", (t) => format('%O', t)],
			["util.format('%s')", (t) => format('%s', t)],
			["util.format('%j')", (t) => format('%j', t)],
			['util.format (console.log of several args)', (t) => format('tokens:', t, { t })],
			['Object.keys', (t) => Object.keys(t).join(',')],
			['Object.entries', (t) => JSON.stringify(Object.entries(t))],
			['spread', (t) => JSON.stringify({ ...t }) + inspect({ ...t })],
			['Object.assign', (t) => inspect(Object.assign({}, t))],
			['structuredClone', (t) => inspect(structuredClone({ ...t }))],
		];

		it('the leak check itself catches a 6-character fragment of a token', () => {
			expect(leakedParts(`prefix ${ACCESS.slice(5, 11)} suffix`)).toEqual([ACCESS.slice(5, 11)]);
			expect(leakedParts(`Bearer ${REFRESH.slice(0, 5)}`)).toEqual([]);
		});

		it.each(renderings)('%s', (_name, render) => {
			const tokenSet = fullTokenSet();
			const text = render(tokenSet);
			expect(leakedParts(text)).toEqual([]);
		});

		it('toJSON marks each token that exists as [redacted] and keeps the non-secret fields', () => {
			expect(JSON.parse(JSON.stringify(fullTokenSet()))).toEqual({
				accessToken: '[redacted]',
				tokenType: 'Bearer',
				expiresAt: NOW + 3_600_000,
				refreshToken: '[redacted]',
				scope: 'api read',
				idToken: '[redacted]',
			});
			expect(JSON.parse(JSON.stringify(createTokenSet({ accessToken: ACCESS }, NOW)))).toEqual({
				accessToken: '[redacted]',
				tokenType: 'Bearer',
			});
		});

		it('Object.keys and spread expose no token field at all', () => {
			const tokenSet = fullTokenSet();
			for (const key of Object.keys(tokenSet)) expect(['accessToken', 'refreshToken', 'idToken']).not.toContain(key);
			const spread = { ...tokenSet } as Record<string, unknown>;
			expect(spread.accessToken).toBeUndefined();
			expect(spread.refreshToken).toBeUndefined();
			expect(spread.idToken).toBeUndefined();
		});

		it('toString says what the set is without the tokens', () => {
			expect(String(fullTokenSet())).toBe(`TokenSet(Bearer, expires ${new Date(NOW + 3_600_000).toISOString()}, with refresh token)`);
			expect(String(createTokenSet({ accessToken: ACCESS }, NOW))).toBe('TokenSet(Bearer, no expiry)');
		});
	});

	describe('isFresh (rule 1: fresh = more than leeway before expiresAt)', () => {
		const LEEWAY = 30_000;

		it('an hour-long token is fresh 31 s before expiry with a 30 s leeway, stale 29 s before', () => {
			const tokenSet = createTokenSet({ accessToken: ACCESS, expiresIn: 3600 }, NOW);
			const expiresAt = tokenSet.expiresAt!;
			expect(isFresh(tokenSet, expiresAt - 31_000, LEEWAY)).toBe(true);
			expect(isFresh(tokenSet, expiresAt - 30_000, LEEWAY)).toBe(false);
			expect(isFresh(tokenSet, expiresAt - 29_000, LEEWAY)).toBe(false);
			expect(isFresh(tokenSet, expiresAt + 1, LEEWAY)).toBe(false);
		});

		it('no expires_in -> fresh until rejected, however late', () => {
			const tokenSet = createTokenSet({ accessToken: ACCESS }, NOW);
			expect(isFresh(tokenSet, NOW, LEEWAY)).toBe(true);
			expect(isFresh(tokenSet, NOW + 365 * 24 * 3_600_000, LEEWAY)).toBe(true);
		});

		it('a 20 s token with a 30 s leeway is fresh for its first 10 s, not after', () => {
			const tokenSet = createTokenSet({ accessToken: ACCESS, expiresIn: 20 }, NOW);
			expect(isFresh(tokenSet, NOW, LEEWAY)).toBe(true);
			expect(isFresh(tokenSet, NOW + 9_999, LEEWAY)).toBe(true);
			expect(isFresh(tokenSet, NOW + 10_000, LEEWAY)).toBe(false);
			expect(isFresh(tokenSet, NOW + 15_000, LEEWAY)).toBe(false);
		});

		it('an expires_in of 0 is never fresh', () => {
			const tokenSet = createTokenSet({ accessToken: ACCESS, expiresIn: 0 }, NOW);
			expect(isFresh(tokenSet, NOW, LEEWAY)).toBe(false);
		});

		it('leeway 0: fresh until the expiry instant', () => {
			const tokenSet = createTokenSet({ accessToken: ACCESS, expiresIn: 60 }, NOW);
			expect(isFresh(tokenSet, NOW + 59_999, 0)).toBe(true);
			expect(isFresh(tokenSet, NOW + 60_000, 0)).toBe(false);
		});
	});

	describe('toTokenSetRecord / fromTokenSetRecord', () => {
		it('round-trip keeps every field, through JSON too', () => {
			const original = createTokenSet(
				{ accessToken: ACCESS, tokenType: 'bearer', expiresIn: 20, refreshToken: REFRESH, idToken: ID_TOKEN, scope: 'a b' },
				NOW,
			);
			const record = toTokenSetRecord(original);
			expect(record).toEqual({
				accessToken: ACCESS,
				tokenType: 'Bearer',
				expiresAt: NOW + 20_000,
				refreshToken: REFRESH,
				scope: 'a b',
				idToken: ID_TOKEN,
				receivedAt: NOW,
			});
			for (const restored of [fromTokenSetRecord(record), fromTokenSetRecord(JSON.parse(JSON.stringify(record)))]) {
				expect(restored).toBeDefined();
				expect(toTokenSetRecord(restored!)).toEqual(record);
				// receivedAt survives, so the short-token leeway still applies after a store round-trip.
				expect(isFresh(restored!, NOW + 9_999, 30_000)).toBe(true);
				expect(isFresh(restored!, NOW + 10_000, 30_000)).toBe(false);
				expect(Object.isFrozen(restored)).toBe(true);
			}
		});

		it('round-trip of a minimal set keeps "no expiry"', () => {
			const original = createTokenSet({ accessToken: ACCESS }, NOW);
			const restored = fromTokenSetRecord(JSON.parse(JSON.stringify(toTokenSetRecord(original))));
			expect(restored?.accessToken).toBe(ACCESS);
			expect(restored?.expiresAt).toBeUndefined();
			expect(restored?.refreshToken).toBeUndefined();
			expect(toTokenSetRecord(restored!)).toEqual(toTokenSetRecord(original));
		});

		it('anything that is not a token set record -> undefined', () => {
			for (const value of [undefined, null, 'AT', 42, {}, { accessToken: '' }, { accessToken: 7 }]) {
				expect(fromTokenSetRecord(value)).toBeUndefined();
			}
		});
	});
});
