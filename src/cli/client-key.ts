import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientAuthMethod } from '../provider.js';
import { privateKeyJwt } from '../client-auth/private-key-jwt.js';
import { UsageError } from './cli-error.js';

/** The client's key as `--client-key` gives it, and what a cached token is bound to instead of a secret. */
export interface ClientKey {
	readonly clientAuth: ClientAuthMethod;
	/** The private key's text: hashed (salted, slowly) to bind a cached token to this key; never printed or stored. */
	readonly secret: string;
}

/**
 * `--client-key FILE`: a private JWK (JSON; its `kid` and `alg` used) or a PEM private key (PKCS#8, or PKCS#1/SEC1),
 * for `privateKeyJwt`. Read at once (a small file), so that a provider can be made from the flags in one step. Only the file's name is on the command line; errors name the file and what it is not, never
 * what it holds.
 */
export function readClientKey(file: string, command: string): ClientKey {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new UsageError(`--client-key: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, command);
	}
	let jwk: JsonWebKey;
	try {
		jwk = text.trimStart().startsWith('{')
			? (JSON.parse(text) as JsonWebKey)
			: (createPrivateKey({ key: text, format: 'pem' }).export({ format: 'jwk' }) as JsonWebKey);
	} catch {
		throw new UsageError(`--client-key: ${file} is neither a private JWK (JSON) nor a PEM private key`, command);
	}
	try {
		return { clientAuth: privateKeyJwt({ privateKey: jwk }), secret: text };
	} catch (error) {
		throw new UsageError(`--client-key: ${file}: ${(error as Error).message}`, command);
	}
}
