import { InvalidOptionError } from '../../errors.js';
import { checkRegisteredClients, checkRegisteredUsers, type RegisteredClient } from '../authorization-server/registrations.js';
import type { ClientJwks } from '../client-assertions/client-keys.js';
import { checkLifetime } from '../emulator/option-checks.js';
import { ID_TOKEN_ALGS, type IdTokenAlg } from '../openid/jws.js';
import {
	checkResources,
	DEFAULT_RESOURCES,
	resourceIdentifier,
	type NormalizedResourceOption,
	type OAuth2EmulatorResource,
} from './resource-options.js';

/** A client registered at the emulated OAuth2 server. */
export interface OAuth2EmulatorClient {
	clientId: string;
	/**
	 * Only for a confidential client (a server): it may then use client credentials, and PKCE is optional for it.
	 * Without one the client is public and must use PKCE (S256) at the authorization endpoint.
	 */
	clientSecret?: string;
	/**
	 * The registered redirect URIs, compared exactly (a loopback URI on any port, RFC 8252).
	 * Default: any loopback URI (`http://127.0.0.1:<port>/…`, `http://localhost:<port>/…`, `http://[::1]:<port>/…`).
	 */
	redirectUris?: ReadonlyArray<string>;
	/**
	 * Where the end-session endpoint may send the browser after a logout (`post_logout_redirect_uri`, OpenID
	 * RP-Initiated Logout 1.0 3.1), compared exactly. Default: the origin of each redirect URI with the path `/`
	 * (`https://app.test/callback` -> `https://app.test/`); without redirect URIs, any loopback URI.
	 */
	postLogoutRedirectUris?: ReadonlyArray<string>;
	/**
	 * The client's public keys (a JWK Set, as `jwks` client metadata): it authenticates with `private_key_jwt`
	 * assertions signed by one of them (ES256, PS256, RS256 or EdDSA; chosen by `kid`, or the only key). A client with
	 * keys is confidential even without a secret; without a secret it must send an assertion. A client with a secret
	 * may also use `client_secret_jwt` (HS256). `emulator.registerClientKey()` adds keys to a running emulator.
	 * @example
	 * { clientId: 'backend', jwks: { keys: [publicJwk] } }
	 */
	jwks?: ClientJwks;
}

/** An account of the emulated OAuth2 server; its userinfo endpoint returns it. */
export interface OAuth2EmulatorUser {
	id: string;
	username: string;
}

/** The emulated generic OAuth2 / OpenID server, whose issuer is the emulator's URL. Every field is optional. */
export interface OAuth2EmulatorOptions {
	/**
	 * Default: a confidential client `oauth2-service` (secret `emulator-secret-oauth2`) and a public client
	 * `oauth2-cli`, both accepting any loopback redirect URI.
	 */
	clients?: ReadonlyArray<OAuth2EmulatorClient>;
	/** The first one is who logs in and approves device logins. Default: `oauth2-user-1` / `oauth2-user`. */
	users?: ReadonlyArray<OAuth2EmulatorUser>;
	/** Access token lifetime in seconds. Default 3600. */
	accessTokenLifetime?: number;
	/**
	 * Whether logins of a user (authorization code, device code) get a refresh token, which rotates at each use
	 * (reuse revokes the login). Client credentials never get one. Default `true`.
	 */
	refreshTokens?: boolean;
	/** How long a device login's codes live, in seconds (`expires_in`, RFC 8628 3.2). Default 600. */
	deviceCodeLifetime?: number;
	/**
	 * The least time between two polls of one device code, in seconds (`interval`, RFC 8628 3.2). A faster poll
	 * gets `slow_down`, and the code's interval grows by 5 s; 0 turns the check off. Fractions are allowed, so
	 * tests need not wait whole seconds. Default 5.
	 */
	deviceInterval?: number;
	/**
	 * Its protected resources (RFC 8707, RFC 9728): APIs on the emulator that accept only tokens issued for them, each
	 * with its metadata at `/.well-known/oauth-protected-resource<path>`. Their identifiers are in
	 * `emulator.credentials.oauth2.resources`. Default: `/orders/` (scopes `orders:read`, `orders:write`) and
	 * `/billing/` (`billing:read`). `[]`: none, and the server ignores `resource` as one without RFC 8707 does.
	 */
	resources?: ReadonlyArray<OAuth2EmulatorResource>;
	/**
	 * The algorithm of the key that signs ID tokens (OpenID Connect): a key pair made with Web Crypto when first
	 * needed, under a random `kid`, published at the JWKS endpoint (`jwks_uri`); `rotateSigningKey()` adds a new one.
	 * Default `'RS256'`.
	 */
	idTokenAlg?: IdTokenAlg;
	/**
	 * The authorization endpoint takes only pushed authorization requests (RFC 9126 5): discovery says
	 * `require_pushed_authorization_requests: true`, and a request sent directly is redirected back with
	 * `invalid_request`. The pushed authorization request endpoint is there either way. Default `false`.
	 */
	requirePushedAuthorizationRequests?: boolean;
}

/** Ready-made credentials for the emulated OAuth2 server: `oauth2(emulator.credentials.oauth2)` gets client credentials tokens. */
export interface OAuth2EmulatorCredentials {
	/** The emulator's URL, which the discovery document names as its issuer. */
	readonly issuer: string;
	/** The first confidential client, or the first client when none has a secret. */
	readonly clientId: string;
	/** The secret of `clientId`, when it has one. */
	readonly clientSecret?: string;
	/** The first public client, for PKCE and device logins; absent when every client has a secret. */
	readonly publicClientId?: string;
	/** The identifiers of its protected resources (the `resource` to ask a token for), in the order configured. */
	readonly resources: readonly string[];
}

/** OAuth2 options with every default applied, validated once. */
export interface NormalizedOAuth2EmulatorOptions {
	readonly clients: readonly RegisteredClient[];
	readonly users: readonly OAuth2EmulatorUser[];
	readonly accessTokenLifetime: number;
	readonly refreshTokens: boolean;
	readonly deviceCodeLifetime: number;
	readonly deviceInterval: number;
	readonly resources: readonly NormalizedResourceOption[];
	readonly idTokenAlg: IdTokenAlg;
	readonly requirePushedAuthorizationRequests: boolean;
}

const CLIENTS: readonly OAuth2EmulatorClient[] = [
	{ clientId: 'oauth2-service', clientSecret: 'emulator-secret-oauth2' },
	{ clientId: 'oauth2-cli' },
];
const USERS: readonly OAuth2EmulatorUser[] = [{ id: 'oauth2-user-1', username: 'oauth2-user' }];

/** Applies the OAuth2 defaults and validates, throwing an InvalidOptionError (a TypeError) that names the bad field. */
export function normalizeOAuth2EmulatorOptions(options: OAuth2EmulatorOptions = {}): NormalizedOAuth2EmulatorOptions {
	const refreshTokens = checkBoolean('oauth2.refreshTokens', options.refreshTokens ?? true);
	return {
		clients: checkRegisteredClients('oauth2', options.clients ?? CLIENTS),
		users: checkRegisteredUsers('oauth2', options.users ?? USERS),
		accessTokenLifetime: checkLifetime('oauth2.accessTokenLifetime', options.accessTokenLifetime ?? 3600),
		refreshTokens,
		requirePushedAuthorizationRequests: checkBoolean(
			'oauth2.requirePushedAuthorizationRequests',
			options.requirePushedAuthorizationRequests ?? false,
		),
		deviceCodeLifetime: checkLifetime('oauth2.deviceCodeLifetime', options.deviceCodeLifetime ?? 600),
		deviceInterval: checkLifetime('oauth2.deviceInterval', options.deviceInterval ?? 5),
		resources: checkResources(options.resources ?? DEFAULT_RESOURCES),
		idTokenAlg: checkIdTokenAlg(options.idTokenAlg ?? 'RS256'),
	};
}

function checkBoolean(name: string, value: boolean): boolean {
	if (typeof value === 'boolean') return value;
	throw new InvalidOptionError(name, `Expected \`${name}\` to be a boolean, got \`${String(value)}\``);
}

function checkIdTokenAlg(alg: IdTokenAlg): IdTokenAlg {
	if (ID_TOKEN_ALGS.includes(alg)) return alg;
	throw new InvalidOptionError(
		'oauth2.idTokenAlg',
		`Expected \`oauth2.idTokenAlg\` to be one of ${ID_TOKEN_ALGS.join(', ')}, got \`${String(alg)}\``,
	);
}

/** The credentials `emulator.credentials.oauth2` hands out for the server at `issuer`. */
export function oauth2EmulatorCredentials(issuer: string, options: NormalizedOAuth2EmulatorOptions): OAuth2EmulatorCredentials {
	const confidential = options.clients.find((client) => client.clientSecret !== undefined) ?? options.clients[0]!;
	const publicClient = options.clients.find((client) => client.clientSecret === undefined);
	return Object.freeze({
		issuer,
		clientId: confidential.clientId,
		...(confidential.clientSecret === undefined ? {} : { clientSecret: confidential.clientSecret }),
		...(publicClient === undefined ? {} : { publicClientId: publicClient.clientId }),
		resources: Object.freeze(options.resources.map((resource) => resourceIdentifier(issuer, resource.path))),
	});
}
