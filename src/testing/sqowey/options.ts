import { parseUrl } from '../emulator/loopback.js';
import { checkLifetime, isNonEmptyString } from '../emulator/option-checks.js';

/** A Sqowey application, as registered at dev.sqowey.de. */
export interface SqoweyClient {
	clientId: string;
	/** Only for a confidential client (a server). Without one the client is public and must use PKCE (S256). */
	clientSecret?: string;
	/**
	 * The registered redirect URIs, compared exactly (a loopback URI on any port, RFC 8252).
	 * Default: any loopback URI (`http://127.0.0.1:<port>/…`, `http://localhost:<port>/…`, `http://[::1]:<port>/…`).
	 */
	redirectUris?: ReadonlyArray<string>;
}

/** A Sqowey account; `/api/users/@me` returns it. */
export interface SqoweyUser {
	id: string;
	username: string;
}

/** The emulated Sqowey. Every field is optional. */
export interface SqoweyEmulatorOptions {
	/** Default: one public client, `sqowey-spa`, that accepts any loopback redirect URI. */
	clients?: ReadonlyArray<SqoweyClient>;
	/** The first one is who logs in (consent is automatic). Default: `1000000000000001` / `sqowey-user`. */
	users?: ReadonlyArray<SqoweyUser>;
	/** Access token lifetime in seconds. Default 3600, as in Sqowey's example response. */
	accessTokenLifetime?: number;
	/** Authorization code lifetime in seconds. Default as documented: 300, or 90 when `identity` is requested. */
	codeLifetime?: number;
}

/** A Sqowey client with its defaults applied. */
export interface NormalizedSqoweyClient {
	readonly clientId: string;
	readonly clientSecret: string | undefined;
	/** Undefined: any loopback redirect URI. */
	readonly redirectUris: readonly string[] | undefined;
}

/** Sqowey options with every default applied, validated once. */
export interface NormalizedSqoweyEmulatorOptions {
	readonly clients: readonly NormalizedSqoweyClient[];
	readonly users: readonly SqoweyUser[];
	readonly accessTokenLifetime: number;
	/** Undefined: the documented 300 s / 90 s. */
	readonly codeLifetime: number | undefined;
}

const CLIENTS: readonly SqoweyClient[] = [{ clientId: 'sqowey-spa' }];
const USERS: readonly SqoweyUser[] = [{ id: '1000000000000001', username: 'sqowey-user' }];

/** Applies the Sqowey defaults and validates, throwing a TypeError that names the bad field. */
export function normalizeSqoweyEmulatorOptions(options: SqoweyEmulatorOptions = {}): NormalizedSqoweyEmulatorOptions {
	const codeLifetime = options.codeLifetime;
	return {
		clients: checkClients(options.clients ?? CLIENTS),
		users: checkUsers(options.users ?? USERS),
		accessTokenLifetime: checkLifetime('sqowey.accessTokenLifetime', options.accessTokenLifetime ?? 3600),
		codeLifetime: codeLifetime === undefined ? undefined : checkLifetime('sqowey.codeLifetime', codeLifetime),
	};
}

function checkClients(clients: ReadonlyArray<SqoweyClient>): NormalizedSqoweyClient[] {
	if (!Array.isArray(clients) || clients.length === 0) throw new TypeError('Expected `sqowey.clients` to be a non-empty array');
	return clients.map((client) => {
		if (!isNonEmptyString(client?.clientId)) throw new TypeError('Expected every entry of `sqowey.clients` to have a non-empty `clientId`');
		if (client.clientSecret !== undefined && !isNonEmptyString(client.clientSecret)) {
			throw new TypeError(`Expected \`clientSecret\` of sqowey client \`${client.clientId}\` to be a non-empty string or absent`);
		}
		return { clientId: client.clientId, clientSecret: client.clientSecret, redirectUris: checkRedirectUris(client) };
	});
}

// RFC 6749 3.1.2: an absolute URI without a fragment.
function checkRedirectUris(client: SqoweyClient): string[] | undefined {
	const { redirectUris } = client;
	if (redirectUris === undefined) return undefined;
	const valid =
		Array.isArray(redirectUris) &&
		redirectUris.length > 0 &&
		redirectUris.every((uri) => {
			const url = typeof uri === 'string' ? parseUrl(uri) : undefined;
			return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '' && !uri.includes('#');
		});
	if (!valid) {
		throw new TypeError(
			`Expected \`redirectUris\` of sqowey client \`${client.clientId}\` to be a non-empty array of absolute http(s) URLs without a fragment`,
		);
	}
	return [...redirectUris];
}

function checkUsers(users: ReadonlyArray<SqoweyUser>): SqoweyUser[] {
	if (!Array.isArray(users) || users.length === 0) throw new TypeError('Expected `sqowey.users` to be a non-empty array');
	return users.map((user) => {
		if (!isNonEmptyString(user?.id) || !isNonEmptyString(user.username)) {
			throw new TypeError('Expected every entry of `sqowey.users` to have a non-empty `id` and `username`');
		}
		return { id: user.id, username: user.username };
	});
}
