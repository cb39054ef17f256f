import { InvalidOptionError } from '../../errors.js';
import { describeValue, invalidOption } from '../../options.js';
import { parseUrl } from '../emulator/loopback.js';
import { checkClientJwks, type ClientJwks, type ClientPublicJwk } from '../client-assertions/client-keys.js';
import { isNonEmptyString } from '../emulator/option-checks.js';

/** A client as given in the options of an emulated authorization server (Sqowey's, the generic OAuth2 one). */
export interface ClientRegistration {
	clientId: string;
	clientSecret?: string;
	redirectUris?: ReadonlyArray<string>;
	postLogoutRedirectUris?: ReadonlyArray<string>;
	jwks?: ClientJwks;
}

/** A registered client with its defaults applied. */
export interface RegisteredClient {
	readonly clientId: string;
	/** Undefined: a public client, which must use PKCE (S256). */
	readonly clientSecret: string | undefined;
	/** Undefined: any loopback redirect URI. */
	readonly redirectUris: readonly string[] | undefined;
	/**
	 * Where an end-session request may send the browser back to (OpenID RP-Initiated Logout 1.0 3.1), compared
	 * exactly; by default the origins of the redirect URIs, each with the path `/`. Undefined: any loopback URI.
	 */
	readonly postLogoutRedirectUris: readonly string[] | undefined;
	/** The public keys its private_key_jwt assertions are checked with (RFC 7523); undefined: none registered. */
	readonly jwks?: readonly ClientPublicJwk[] | undefined;
}

/** A user as given in the options: the first one is who logs in. */
export interface UserRegistration {
	id: string;
	username: string;
}

/**
 * Validates the clients of the `provider` options (`sqowey`, `oauth2`), throwing an InvalidOptionError (a TypeError) that names the
 * bad field, so every emulated authorization server words its option errors alike.
 */
export function checkRegisteredClients(provider: string, clients: ReadonlyArray<ClientRegistration>): RegisteredClient[] {
	if (!Array.isArray(clients) || clients.length === 0) throw invalidOption(`${provider}.clients`, 'a non-empty array', clients);
	return clients.map((client, index) => {
		if (!isNonEmptyString(client?.clientId)) {
			throw invalidOption(`${provider}.clients[${index}].clientId`, 'a non-empty string', client?.clientId);
		}
		if (client.clientSecret !== undefined && !isNonEmptyString(client.clientSecret)) {
			throw invalidOption(`${provider}.clients[${index}].clientSecret`, 'a non-empty string or absent', client.clientSecret);
		}
		const redirectUris = checkRedirectUris(`${provider}.clients[${index}].redirectUris`, client.redirectUris);
		const postLogoutRedirectUris = checkRedirectUris(`${provider}.clients[${index}].postLogoutRedirectUris`, client.postLogoutRedirectUris);
		const jwks = checkClientJwks(`${provider}.clients[${index}].jwks`, client.jwks);
		return {
			clientId: client.clientId,
			clientSecret: client.clientSecret,
			redirectUris,
			postLogoutRedirectUris: postLogoutRedirectUris ?? originsOf(redirectUris),
			...(jwks === undefined ? {} : { jwks }),
		};
	});
}

/** Validates the users of the `provider` options: a non-empty list, each with an `id` and a `username`. */
export function checkRegisteredUsers(provider: string, users: ReadonlyArray<UserRegistration>): UserRegistration[] {
	if (!Array.isArray(users) || users.length === 0) throw invalidOption(`${provider}.users`, 'a non-empty array', users);
	return users.map((user, index) => {
		for (const field of ['id', 'username'] as const) {
			if (!isNonEmptyString(user?.[field]))
				throw invalidOption(`${provider}.users[${index}].${field}`, 'a non-empty string', user?.[field]);
		}
		return { id: user.id, username: user.username };
	});
}

// RFC 6749 3.1.2: an absolute URI without a fragment.
function checkRedirectUris(option: string, redirectUris: ReadonlyArray<string> | undefined): string[] | undefined {
	if (redirectUris === undefined) return undefined;
	const expected = 'a non-empty array of absolute http(s) URLs without a fragment';
	if (!Array.isArray(redirectUris) || redirectUris.length === 0) throw invalidOption(option, expected, redirectUris);
	const bad = redirectUris.find((uri) => {
		const url = typeof uri === 'string' ? parseUrl(uri) : undefined;
		return url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash !== '' || uri.includes('#');
	});
	if (bad !== undefined)
		throw new InvalidOptionError(option, `Expected \`${option}\` to be ${expected}, got ${describeValue(bad, true)} in it`);
	return [...redirectUris];
}

/** `https://app.test/` for each distinct origin of `uris`: the default places to come back to after a logout. */
function originsOf(uris: readonly string[] | undefined): string[] | undefined {
	return uris === undefined ? undefined : [...new Set(uris.map((uri) => `${new URL(uri).origin}/`))];
}
