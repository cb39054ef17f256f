import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { defaultSessionDir, FileTokenStore } from '../file.js';
import type { Provider } from '../provider.js';
import { defaultKey } from '../token-manager.js';
import type { CliContext } from './context.js';

const scryptAsync = promisify(scrypt) as (secret: string, salt: Buffer, length: number, options: object) => Promise<Buffer>;

/**
 * Parameters of the secret's hash: scrypt at N = 2^15 costs about 50 ms per CLI run, which is nothing to a person
 * and much to someone guessing secrets from a copied session file.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** The sessions the CLI keeps on disk: `$TOKENKEEPER_HOME`, else `$XDG_CONFIG_HOME/tokenkeeper`, else `~/.config/tokenkeeper`. */
export function openSessionStore(context: CliContext): FileTokenStore {
	return new FileTokenStore({ dir: defaultSessionDir(context.env) });
}

/**
 * The session of `provider` in the CLI's store: endpoint, client id, scope and user, never a secret; and whether it
 * is a cached token (`token squidex`…) or a person's login (`login …`), which two commands may hold for one client.
 */
export function sessionKey(provider: Provider): string {
	const kind = provider.primaryGrant.type === 'client_credentials' || provider.primaryGrant.type === 'password' ? 'cached' : 'login';
	return `${defaultKey(provider)}|${kind}`;
}

/** Where `provider` is, for people: its issuer or token endpoint. */
export function providerUrl(provider: Provider): string {
	return provider.issuer ?? provider.endpoints?.token ?? '';
}

/** What `sessions` shows of a session, stored beside its tokens: no secret. */
export function describeSession(provider: Provider, url: string): Record<string, string> {
	return {
		provider: provider.name,
		url,
		clientId: provider.clientId,
		...(provider.scope ? { scope: provider.scope } : {}),
		...(provider.username ? { username: provider.username } : {}),
	};
}

/** A salted, slow hash of the secrets a cached token was obtained with: `scrypt$<salt>$<hash>`, base64url. */
export async function hashSecrets(secrets: readonly string[]): Promise<string> {
	const salt = randomBytes(16);
	const hash = await scryptAsync(secrets.join('\n'), salt, 32, SCRYPT);
	return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `secrets` are the ones `stored` was made from; a hash that is missing or malformed matches nothing. */
export async function secretsMatch(secrets: readonly string[], stored: string | undefined): Promise<boolean> {
	const [scheme, salt, hash] = stored?.split('$') ?? [];
	if (scheme !== 'scrypt' || !salt || !hash) return false;
	const expected = Buffer.from(hash, 'base64url');
	const actual = await scryptAsync(secrets.join('\n'), Buffer.from(salt, 'base64url'), expected.length, SCRYPT);
	return expected.length === actual.length && timingSafeEqual(expected, actual);
}
