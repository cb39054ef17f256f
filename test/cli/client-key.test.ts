import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readClientKey } from '../../src/cli/client-key.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenkeeper-client-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
	const file = join(dir, name);
	writeFileSync(file, text, { mode: 0o600 });
	return file;
}

describe('--client-key FILE: a private JWK or a PEM private key, for private_key_jwt', () => {
	it.each([
		['EC P-256 (PKCS#8 PEM)', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' })],
		['RSA (PKCS#1 PEM)', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' })],
		['Ed25519 (PKCS#8 PEM)', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' })],
		[
			'a private JWK with kid and alg',
			() =>
				JSON.stringify({
					...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
					kid: 'k1',
					alg: 'ES256',
				}),
		],
	])('%s: read into privateKeyJwt', (_name, make) => {
		const text = String(make());
		const key = readClientKey(write(`key-${Math.random()}`, text), 'token oauth2');
		expect(key.clientAuth.method).toBe('private_key_jwt');
		expect(key.secret).toBe(text);
	});

	it('a file that is no private key, a public JWK, a missing file: usage errors naming the file, never its content', () => {
		const publicJwk = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }));
		const cases = [
			[write('notes.txt', 'not-a-key-7f3a'), /neither a private JWK/],
			[write('public.jwk', publicJwk), /private JWK \(with `d`\)/],
			[join(dir, 'missing.pem'), /cannot read .*missing\.pem \(ENOENT\)/],
		] as const;
		for (const [file, message] of cases) {
			let error: unknown;
			try {
				readClientKey(file, 'token oauth2');
			} catch (caught) {
				error = caught;
			}
			expect(error).toMatchObject({ name: 'UsageError', command: 'token oauth2' });
			expect(String((error as Error).message)).toMatch(message);
			expect(String((error as Error).message)).not.toContain('not-a-key-7f3a');
			expect(String((error as Error).message)).not.toContain(JSON.parse(publicJwk).x);
		}
	});
});
