import { parseUrl } from '../emulator/loopback.js';
import { isNonEmptyString } from '../emulator/option-checks.js';

/** A client as given in the options of an emulated authorization server (Sqowey's, the generic OAuth2 one). */
export interface ClientRegistration {
	clientId: string;
	clientSecret?: string;
	redirectUris?: ReadonlyArray<string>;
}

/** A registered client with its defaults applied. */
export interface RegisteredClient {
	readonly clientId: string;
	/** Undefined: a public client, which must use PKCE (S256). */
	readonly clientSecret: string | undefined;
	/** Undefined: any loopback redirect URI. */
	readonly redirectUris: readonly string[] | undefined;
}

/** A user as given in the options: the first one is who logs in. */
export interface UserRegistration {
	id: string;
	username: string;
}

/**
 * Validates the clients of the `provider` options (`sqowey`, `oauth2`), throwing a TypeError that names the
 * bad field, so every emulated authorization server words its option errors alike.
 */
export function checkRegisteredClients(provider: string, clients: ReadonlyArray<ClientRegistration>): RegisteredClient[] {
	if (!Array.isArray(clients) || clients.length === 0) throw new TypeError(`Expected \`${provider}.clients\` to be a non-empty array`);
	return clients.map((client) => {
		if (!isNonEmptyString(client?.clientId)) {
			throw new TypeError(`Expected every entry of \`${provider}.clients\` to have a non-empty \`clientId\``);
		}
		if (client.clientSecret !== undefined && !isNonEmptyString(client.clientSecret)) {
			throw new TypeError(`Expected \`clientSecret\` of ${provider} client \`${client.clientId}\` to be a non-empty string or absent`);
		}
		return { clientId: client.clientId, clientSecret: client.clientSecret, redirectUris: checkRedirectUris(provider, client) };
	});
}

/** Validates the users of the `provider` options: a non-empty list, each with an `id` and a `username`. */
export function checkRegisteredUsers(provider: string, users: ReadonlyArray<UserRegistration>): UserRegistration[] {
	if (!Array.isArray(users) || users.length === 0) throw new TypeError(`Expected \`${provider}.users\` to be a non-empty array`);
	return users.map((user) => {
		if (!isNonEmptyString(user?.id) || !isNonEmptyString(user.username)) {
			throw new TypeError(`Expected every entry of \`${provider}.users\` to have a non-empty \`id\` and \`username\``);
		}
		return { id: user.id, username: user.username };
	});
}

// RFC 6749 3.1.2: an absolute URI without a fragment.
function checkRedirectUris(provider: string, client: ClientRegistration): string[] | undefined {
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
			`Expected \`redirectUris\` of ${provider} client \`${client.clientId}\` to be a non-empty array of absolute http(s) URLs without a fragment`,
		);
	}
	return [...redirectUris];
}
