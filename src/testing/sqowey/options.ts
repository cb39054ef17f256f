import { checkRegisteredClients, checkRegisteredUsers, type RegisteredClient } from '../authorization-server/registrations.js';
import { checkLifetime } from '../emulator/option-checks.js';

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

/** Sqowey options with every default applied, validated once. */
export interface NormalizedSqoweyEmulatorOptions {
	readonly clients: readonly RegisteredClient[];
	readonly users: readonly SqoweyUser[];
	readonly accessTokenLifetime: number;
	/** Undefined: the documented 300 s / 90 s. */
	readonly codeLifetime: number | undefined;
}

const CLIENTS: readonly SqoweyClient[] = [{ clientId: 'sqowey-spa' }];
const USERS: readonly SqoweyUser[] = [{ id: '1000000000000001', username: 'sqowey-user' }];

/** Applies the Sqowey defaults and validates, throwing an InvalidOptionError (a TypeError) that names the bad field. */
export function normalizeSqoweyEmulatorOptions(options: SqoweyEmulatorOptions = {}): NormalizedSqoweyEmulatorOptions {
	const codeLifetime = options.codeLifetime;
	return {
		clients: checkRegisteredClients('sqowey', options.clients ?? CLIENTS),
		users: checkRegisteredUsers('sqowey', options.users ?? USERS),
		accessTokenLifetime: checkLifetime('sqowey.accessTokenLifetime', options.accessTokenLifetime ?? 3600),
		codeLifetime: codeLifetime === undefined ? undefined : checkLifetime('sqowey.codeLifetime', codeLifetime),
	};
}
