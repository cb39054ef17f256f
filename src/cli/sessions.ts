import { randomBytes, scrypt, timingSafeEqual, type BinaryLike } from 'node:crypto';
import { promisify } from 'node:util';
import { defaultSessionDir, FileTokenStore } from '../file.js';
import type { Provider } from '../provider.js';
import { defaultKey } from '../token-manager.js';
import type { CliContext } from './context.js';

const scryptAsync = promisify(scrypt) as (secret: BinaryLike, salt: Buffer, length: number, options: object) => Promise<Buffer>;

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

/**
 * A scope as it names a session: its words sorted, each once (`"b a b"` -> `"a b"`). A scope is a set (RFC 6749 3.3),
 * so `"b a"` must name the session of `"a b"`. `undefined` for none.
 */
export function sessionScope(scope: string | undefined): string | undefined {
	const words = new Set((scope ?? '').split(/\s+/).filter(Boolean));
	return words.size === 0 ? undefined : [...words].sort().join(' ');
}

/** Where `provider` is, for people: its issuer or token endpoint. */
export function providerUrl(provider: Provider): string {
	return provider.issuer ?? provider.endpoints?.token ?? '';
}

/**
 * What `sessions` shows of a session, stored beside its tokens: no secret. With it, how the server was named (its
 * `issuer`, or the endpoints given by hand), so that a command given only the client id can find the session and
 * its server again.
 */
export function describeSession(provider: Provider, url: string): Record<string, string> {
	return {
		provider: provider.name,
		url,
		clientId: provider.clientId,
		...(provider.scope ? { scope: provider.scope } : {}),
		...(provider.username ? { username: provider.username } : {}),
		...definedOnly(
			provider.issuer !== undefined
				? { issuer: provider.issuer }
				: {
						tokenEndpoint: provider.endpoints?.token,
						authorizationEndpoint: provider.endpoints?.authorization,
						revocationEndpoint: provider.endpoints?.revocation,
						deviceAuthorizationEndpoint: provider.endpoints?.deviceAuthorization,
					},
		),
	};
}

function definedOnly(fields: Record<string, string | undefined>): Record<string, string> {
	return Object.fromEntries(Object.entries(fields).filter((field): field is [string, string] => field[1] !== undefined));
}

/** Whether `key` is a person's login (`login …`), not a token cached for a client's secret. */
export function isLoginKey(key: string): boolean {
	return key.endsWith('|login');
}

/**
 * The stored hash's scheme. `scrypt$` (tokenkeeper 0.1) hashed the secrets joined by newlines, so `["a\nb", "c"]`
 * hashed like `["a", "b\nc"]`: such a hash matches nothing now, which costs a cached token one new token request.
 */
const SCHEME = 'scrypt2';
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/**
 * The secrets as one byte string that no other list makes: their count, then each one's UTF-8 length and bytes
 * (numbers as 4 bytes, big-endian). The count is not redundant: scrypt keys HMAC with these bytes, and HMAC pads a key
 * with zeros, so without it `["a", ""]` (a zero length at the end) would hash like `["a"]`.
 */
function encodeSecrets(secrets: readonly string[]): Buffer {
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

/** A salted, slow hash of the secrets a cached token was obtained with: `scrypt2$<salt>$<hash>`, base64url. */
export async function hashSecrets(secrets: readonly string[]): Promise<string> {
	const salt = randomBytes(SALT_BYTES);
	const hash = await scryptAsync(encodeSecrets(secrets), salt, HASH_BYTES, SCRYPT);
	return `${SCHEME}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * Whether `secrets` are the ones `stored` was made from. A hash that is missing, of another scheme, or whose salt or
 * hash is not exactly as long as {@link hashSecrets} makes them matches nothing: the length never comes from the
 * stored text, where a hash of 0 bytes would match every secret (and one of 1 byte, one in 256).
 */
export async function secretsMatch(secrets: readonly string[], stored: string | undefined): Promise<boolean> {
	const [scheme, salt, hash, ...rest] = stored?.split('$') ?? [];
	if (scheme !== SCHEME || salt === undefined || hash === undefined || rest.length > 0) return false;
	const saltBytes = Buffer.from(salt, 'base64url');
	const expected = Buffer.from(hash, 'base64url');
	if (saltBytes.length !== SALT_BYTES || expected.length !== HASH_BYTES) return false;
	const actual = await scryptAsync(encodeSecrets(secrets), saltBytes, HASH_BYTES, SCRYPT);
	return timingSafeEqual(expected, actual);
}
