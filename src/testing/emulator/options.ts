import { InvalidOptionError } from '../../errors.js';
import { invalidOption } from '../../options.js';
import { normalizeOAuth2EmulatorOptions, type NormalizedOAuth2EmulatorOptions, type OAuth2EmulatorOptions } from '../oauth2/options.js';
import { normalizeSqoweyEmulatorOptions, type NormalizedSqoweyEmulatorOptions, type SqoweyEmulatorOptions } from '../sqowey/options.js';
import type { EmulatorDpopOptions } from '../dpop/options.js';
import { checkCorsOrigins } from './cors.js';
import { checkDelay, checkLifetime, isNonEmptyString } from './option-checks.js';

/** Names of the providers the emulator can serve. */
export type ProviderName = 'squidex' | 'dotkernel' | 'sqowey' | 'oauth2';

/** A registered OAuth2 client. */
export interface ClientCredentials {
	clientId: string;
	clientSecret: string;
}

/** Which Dotkernel table an account or client belongs to. */
export type DotkernelRole = 'user' | 'admin';

/**
 * A Dotkernel OAuth2 client. Dotkernel checks a password against the `user` table for user clients
 * (`frontend`) and against the `admin` table for admin clients (`admin`).
 */
export interface DotkernelClient extends ClientCredentials {
	/** Default `'user'`. */
	role?: DotkernelRole;
}

/** A Dotkernel account that can log in with the password grant. */
export interface DotkernelUser {
	username: string;
	password: string;
	/** Default `'user'`. */
	role?: DotkernelRole;
}

/** What the emulated providers look like. Every field is optional. */
export interface EmulatorOptions {
	/** Providers to serve. Default: all of them. */
	providers?: ReadonlyArray<ProviderName>;
	squidex?: {
		/** Default: one client, `food-crunch:default` / `emulator-secret-squidex`. */
		clients?: ReadonlyArray<ClientCredentials>;
		/** Access token lifetime in seconds. Default 2592000 (30 days, as Squidex cloud). */
		expiresIn?: number;
	};
	dotkernel?: {
		/** Default: `frontend`/`frontend` (user) and `admin`/`admin` (admin). */
		clients?: ReadonlyArray<DotkernelClient>;
		/** Default: `test@dotkernel.com`/`dotkernel` (user) and `admin`/`dotadmin` (admin). */
		users?: ReadonlyArray<DotkernelUser>;
		/** Access token lifetime in seconds. Default 86400. */
		expiresIn?: number;
	};
	sqowey?: SqoweyEmulatorOptions;
	/** The generic OAuth2 / OpenID server (issuer: the emulator's URL), with a device authorization endpoint. */
	oauth2?: OAuth2EmulatorOptions;
	/**
	 * Origins a browser may call the emulator from (CORS), e.g. `['http://app.test']`.
	 * Default: any loopback origin (`http://localhost:<port>`, `http://127.0.0.1:<port>`, `http://[::1]:<port>`).
	 */
	corsOrigins?: ReadonlyArray<string>;
	/**
	 * How long every provider's token endpoint takes to answer, in ms: each request that reaches one waits this
	 * long before it is handled (faults included), as a distant or busy authorization server would. Protected
	 * resources and revocation endpoints answer at once. A client that goes away, or `close()`, ends the wait.
	 * Default 0.
	 * @example
	 * // A token endpoint 300 ms away and tokens that live 3 s: refresh-ahead and lock waits become visible.
	 * const emulator = await createEmulator({ tokenLatency: 300, dotkernel: { expiresIn: 3 } });
	 */
	tokenLatency?: number;
	/** The emulator's clock in epoch milliseconds. Default `Date.now`. */
	now?: () => number;
	/**
	 * DPoP (RFC 9449) at the OAuth2 and Sqowey servers and their APIs, from the start; `setDpop()` switches it later.
	 * Default: off (proofs are ignored, tokens are Bearer).
	 */
	dpop?: EmulatorDpopOptions;
}

/** Options with every default applied, validated once. */
export interface NormalizedOptions {
	readonly providers: ReadonlySet<ProviderName>;
	readonly squidex: { readonly clients: readonly ClientCredentials[]; readonly expiresIn: number };
	readonly dotkernel: {
		readonly clients: readonly Required<DotkernelClient>[];
		readonly users: readonly Required<DotkernelUser>[];
		readonly expiresIn: number;
	};
	readonly sqowey: NormalizedSqoweyEmulatorOptions;
	readonly oauth2: NormalizedOAuth2EmulatorOptions;
	/** Undefined: any loopback origin. */
	readonly corsOrigins: ReadonlySet<string> | undefined;
	/** ms; 0 = none. */
	readonly tokenLatency: number;
	readonly now: () => number;
	readonly dpop: EmulatorDpopOptions | undefined;
}

/** Every provider the emulator can serve, in the order it lists them. */
export const PROVIDER_NAMES: readonly ProviderName[] = ['squidex', 'dotkernel', 'sqowey', 'oauth2'];

const SQUIDEX_CLIENTS: readonly ClientCredentials[] = [
	// Real Squidex client ids are `app:client`; the colon is what breaks naive Basic encoders.
	{ clientId: 'food-crunch:default', clientSecret: 'emulator-secret-squidex' },
];

const DOTKERNEL_CLIENTS: readonly Required<DotkernelClient>[] = [
	{ clientId: 'frontend', clientSecret: 'frontend', role: 'user' },
	{ clientId: 'admin', clientSecret: 'admin', role: 'admin' },
];

const DOTKERNEL_USERS: readonly Required<DotkernelUser>[] = [
	{ username: 'test@dotkernel.com', password: 'dotkernel', role: 'user' },
	{ username: 'admin', password: 'dotadmin', role: 'admin' },
];

/** Applies defaults and validates, so the routes can trust every field. */
export function normalizeOptions(options: EmulatorOptions = {}): NormalizedOptions {
	const providers = new Set(options.providers ?? PROVIDER_NAMES);
	for (const name of providers) {
		if (!PROVIDER_NAMES.includes(name)) {
			throw new InvalidOptionError(
				'providers',
				`Expected \`providers\` to contain only ${PROVIDER_NAMES.join(', ')}, got \`${String(name)}\``,
			);
		}
	}
	const now = options.now ?? Date.now;
	if (typeof now !== 'function') throw invalidOption('now', 'a function', now);

	return {
		providers,
		squidex: {
			clients: checkClients('squidex.clients', options.squidex?.clients ?? SQUIDEX_CLIENTS),
			expiresIn: checkLifetime('squidex.expiresIn', options.squidex?.expiresIn ?? 2_592_000),
		},
		dotkernel: {
			clients: checkClients('dotkernel.clients', options.dotkernel?.clients ?? DOTKERNEL_CLIENTS).map((client) => ({
				clientId: client.clientId,
				clientSecret: client.clientSecret,
				role: checkRole('dotkernel.clients', client.role),
			})),
			users: checkUsers(options.dotkernel?.users ?? DOTKERNEL_USERS),
			expiresIn: checkLifetime('dotkernel.expiresIn', options.dotkernel?.expiresIn ?? 86_400),
		},
		sqowey: normalizeSqoweyEmulatorOptions(options.sqowey),
		oauth2: normalizeOAuth2EmulatorOptions(options.oauth2),
		corsOrigins: options.corsOrigins === undefined ? undefined : checkCorsOrigins('corsOrigins', options.corsOrigins),
		tokenLatency: checkDelay('tokenLatency', options.tokenLatency ?? 0),
		now,
		dpop: options.dpop,
	};
}

function checkClients<T extends ClientCredentials>(name: string, clients: ReadonlyArray<T>): T[] {
	if (!Array.isArray(clients) || clients.length === 0) {
		throw invalidOption(name, 'a non-empty array', clients);
	}
	for (const client of clients) {
		if (!isNonEmptyString(client?.clientId) || typeof client.clientSecret !== 'string') {
			throw new InvalidOptionError(
				name,
				`Expected every entry of \`${name}\` to have a non-empty \`clientId\` and a string \`clientSecret\``,
			);
		}
	}
	return [...clients];
}

function checkUsers(users: ReadonlyArray<DotkernelUser>): Required<DotkernelUser>[] {
	if (!Array.isArray(users)) throw invalidOption('dotkernel.users', 'an array', users);
	return users.map((user) => {
		if (!isNonEmptyString(user?.username) || typeof user.password !== 'string') {
			throw new InvalidOptionError(
				'dotkernel.users',
				'Expected every entry of `dotkernel.users` to have a non-empty `username` and a string `password`',
			);
		}
		return { username: user.username, password: user.password, role: checkRole('dotkernel.users', user.role) };
	});
}

function checkRole(name: string, role: DotkernelRole | undefined): DotkernelRole {
	if (role === undefined) return 'user';
	if (role !== 'user' && role !== 'admin') {
		throw new InvalidOptionError(name, `Expected \`role\` in \`${name}\` to be 'user' or 'admin', got \`${String(role)}\``);
	}
	return role;
}
