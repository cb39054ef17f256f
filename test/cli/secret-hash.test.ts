import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSecrets, secretsMatch } from '../../src/cli/sessions.js';

/**
 * The salted slow hash a cached token keeps of the secrets it was obtained with: the CLI hands the token only to a run
 * that presents the same secrets. The hash must say exactly which secrets, and nothing stored may widen what matches.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** The format, as documented: the count, then each secret's UTF-8 length and bytes (numbers as 4 bytes big-endian). */
function lengthPrefixed(secrets: readonly string[]): Buffer {
	const uint32 = (value: number) => {
		const bytes = Buffer.alloc(4);
		bytes.writeUInt32BE(value);
		return bytes;
	};
	return Buffer.concat([
		uint32(secrets.length),
		...secrets.flatMap((secret) => {
			const bytes = Buffer.from(secret, 'utf8');
			return [uint32(bytes.length), bytes];
		}),
	]);
}

function parts(stored: string): { scheme: string; salt: Buffer; hash: Buffer } {
	const [scheme, salt, hash] = stored.split('$');
	return { scheme: scheme!, salt: Buffer.from(salt!, 'base64url'), hash: Buffer.from(hash!, 'base64url') };
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

describe('the stored secret hash', () => {
	it('is `scrypt2$<16-byte salt>$<32-byte hash>`, scrypt over the count and the length-prefixed secrets; the same secrets match, others do not, and each hash has its own salt', async () => {
		const secrets = ['sec\nret', 'pw'];
		const stored = await hashSecrets(secrets);
		const { scheme, salt, hash } = parts(stored);
		expect(scheme).toBe('scrypt2');
		expect(salt).toHaveLength(16);
		expect(hash).toEqual(scryptSync(lengthPrefixed(secrets), salt, 32, SCRYPT));
		expect(await secretsMatch(secrets, stored)).toBe(true);
		expect(await secretsMatch(['sec\nret', 'pW'], stored)).toBe(false);
		expect(parts(await hashSecrets(secrets)).salt).not.toEqual(salt);
	});

	it('secrets are encoded unambiguously: ["sec\\nret","pw"] never matches ["sec","ret\\npw"], nor [""] [], nor ["a",""] ["a"] (HMAC pads a key with zeros)', async () => {
		const pairs: Array<[string[], string[]]> = [
			[
				['sec\nret', 'pw'],
				['sec', 'ret\npw'],
			],
			[[''], []],
			[['a', ''], ['a']],
		];
		for (const [made, presented] of pairs) {
			expect({ made, presented, match: await secretsMatch(presented, await hashSecrets(made)) }).toEqual({
				made,
				presented,
				match: false,
			});
		}
	});

	it('a stored hash that is not exactly 32 bytes, or a salt not exactly 16, matches no secret: 0 bytes, the right first byte, the right first 31 bytes, a 15-byte salt', async () => {
		const stored = await hashSecrets(['right']);
		const { scheme, salt, hash } = parts(stored);
		const shortSalt = salt.subarray(0, 15);
		const malformed = {
			'0-byte hash (`A`)': `${scheme}$${b64(salt)}$A`,
			'0-byte hash (empty)': `${scheme}$${b64(salt)}$`,
			'the first byte': `${scheme}$${b64(salt)}$${b64(hash.subarray(0, 1))}`,
			'the first 31 bytes': `${scheme}$${b64(salt)}$${b64(hash.subarray(0, 31))}`,
			'33 bytes': `${scheme}$${b64(salt)}$${b64(Buffer.concat([hash, Buffer.from([0])]))}`,
			'a 15-byte salt': `${scheme}$${b64(shortSalt)}$${b64(scryptSync(lengthPrefixed(['right']), shortSalt, 32, SCRYPT))}`,
			'a fourth part': `${stored}$x`,
		};
		for (const [what, text] of Object.entries(malformed)) {
			const matches = [await secretsMatch(['right'], text), await secretsMatch(['anything'], text)];
			expect({ what, matches }).toEqual({ what, matches: [false, false] });
		}
	});

	it('a hash of tokenkeeper 0.1 (`scrypt$`, secrets joined by newlines) matches nothing, not even the secrets it was made from', async () => {
		const salt = Buffer.alloc(16, 7);
		const old = `scrypt$${b64(salt)}$${b64(scryptSync(['right', 'pw'].join('\n'), salt, 32, SCRYPT))}`;
		expect(await secretsMatch(['right', 'pw'], old)).toBe(false);
		expect(await secretsMatch(['right', 'pw'], undefined)).toBe(false);
	});
});
