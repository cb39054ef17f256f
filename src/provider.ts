import type { OAuthError } from './errors.js';
import { invalidOption } from './options.js';
import { openIdDiscovery } from './discovery-document.js';
import type { DiscoveryStep, ProviderEndpoints } from './provider-endpoints.js';
import type { ResourceChallengeCheck } from './resource-challenge.js';

/** The parameter that names the target API in token and authorization requests: RFC 8707's, or Auth0's. */
export type ResourceParameter = 'resource' | 'audience';

/** How the token request body is encoded: RFC 6749's form encoding, or JSON (Dotkernel). */
export type BodyEncoding = 'form' | 'json';

/**
 * How the client proves who it is: `body` puts `client_id` and `client_secret` in the request body
 * (`client_secret_post`), `basic` sends them in an `Authorization: Basic` header (`client_secret_basic`),
 * `none` sends only `client_id` (public clients, e.g. SPAs with PKCE); a {@link ClientAuthMethod} signs an assertion
 * for each request (`privateKeyJwt()`, `clientSecretJwt()`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export type ClientAuthentication = 'body' | 'basic' | 'none' | ClientAuthMethod;

/** What a session tells its client authentication method: who the client is, where its server is, and when it is. */
export interface ClientAuthSession {
	readonly provider: Provider;
	/** The server's endpoints (discovered once): its issuer identifier, and the URLs whose requests authenticate the client. */
	endpoints(): Promise<ProviderEndpoints>;
	/** Epoch ms: the session's clock. */
	now(): number;
}

/**
 * A client authentication method that proves the client on each request to the authorization server as it leaves: a
 * signed assertion (RFC 7523: `privateKeyJwt()`, `clientSecretJwt()`), or a client certificate (RFC 8705:
 * `tlsClientAuth()`, on Node). Give it as a provider's `clientAuth`. It works beneath DPoP, so a request DPoP sends
 * again (a server's nonce) carries a new assertion too.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export interface ClientAuthMethod {
	/** Its name in a server's metadata (`token_endpoint_auth_methods_supported`, RFC 8414 2). */
	readonly method: 'private_key_jwt' | 'client_secret_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth';
	/**
	 * The session's `fetch` for the authorization server, made to authenticate the client on each request to the
	 * server's token, revocation, device authorization and PAR endpoints. Other requests pass as they are.
	 */
	authenticate(fetch: typeof globalThis.fetch, session: ClientAuthSession): typeof globalThis.fetch;
}

/** A username and password for the resource owner password grant. Never stored by tokenkeeper. */
export interface PasswordCredentials {
	readonly username: string;
	readonly password: string;
}

/** The grant that gets tokens when there is no usable refresh token. */
export type PrimaryGrant =
	| { readonly type: 'client_credentials' }
	| {
			readonly type: 'password';
			/** Asked for the username and password when a password grant is needed; the result is never kept. */
			readonly credentials?: (() => Promise<PasswordCredentials>) | undefined;
	  }
	| { readonly type: 'authorization_code' }
	/** A person logs in on another device (RFC 8628): see `createDeviceAuthorizationFlow`. */
	| { readonly type: 'device_code' };

export type { DiscoveryStep, ProviderEndpoints } from './provider-endpoints.js';

/**
 * A provider: plain data plus small functions. Made by `squidex()`, `dotkernel()`, `sqowey()` or `oauth2()`.
 * The client secret is not a property: it is held privately and read only when a request is built.
 */
export interface Provider {
	/** Short name, used in the default store key and in messages. */
	readonly name: string;
	readonly clientId: string;
	/** The provider's base URL or issuer; checked against `iss` in authorization responses. */
	readonly issuer: string | undefined;
	/** Known endpoints, or `undefined` when they are discovered from `issuer`. */
	readonly endpoints: ProviderEndpoints | undefined;
	readonly bodyEncoding: BodyEncoding;
	readonly clientAuth: ClientAuthentication;
	/** Space-separated scopes sent with token requests, when the provider wants them. */
	readonly scope: string | undefined;
	readonly primaryGrant: PrimaryGrant;
	/** API response statuses that mean "this access token was rejected": `[401]`, Dotkernel `[401, 403]`. */
	readonly rejectionStatuses: readonly number[];
	/** Where the provider sends the browser back after login (authorization code grant). */
	readonly redirectUri?: string | undefined;
	/** The resource owner's username, when the preset was given one: only used to tell sessions apart in a shared store. */
	readonly username?: string | undefined;
	/**
	 * The session's default resource (RFC 8707): the API a call without a `resource` of its own gets a token for, sent
	 * with every such token request. `undefined`: none is named, the server's default audience.
	 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
	 */
	readonly resource?: string | undefined;
	/** The parameter that names a resource in token and authorization requests: `resource` (RFC 8707), or Auth0's `audience`. */
	readonly resourceParameter?: ResourceParameter | undefined;
	/** Whether a refresh answered with this error means the refresh token is dead. */
	isRefreshRejected(error: OAuthError): boolean;
}

/**
 * What a provider holds beside its properties: its client secret, how it discovers its endpoints, and how it checks
 * an API's RFC 9728 challenge. Kept out of the provider itself, so that no secret prints with it and its public shape
 * stays as it was.
 */
const internals = new WeakMap<
	Provider,
	{
		readonly secret: string | undefined;
		readonly discovery: DiscoveryStep | undefined;
		readonly resourceChallenge: ResourceChallengeCheck | undefined;
	}
>();

/** What {@link defineProvider} takes: a {@link Provider} without the defaults, plus the secret. */
export interface ProviderDefinition extends Omit<Provider, 'isRefreshRejected' | 'clientAuth' | 'bodyEncoding' | 'rejectionStatuses'> {
	readonly clientSecret?: string | undefined;
	readonly clientAuth?: ClientAuthentication | undefined;
	readonly bodyEncoding?: BodyEncoding | undefined;
	readonly rejectionStatuses?: readonly number[] | undefined;
	/** Whether a refused refresh means the refresh token is dead. Default: `invalid_grant`. */
	readonly isRefreshRejected?: ((error: OAuthError) => boolean) | undefined;
}

/** RFC 6749 5.2: a dead refresh token is `invalid_grant`. */
export function isInvalidGrant(error: OAuthError): boolean {
	return error.error === 'invalid_grant';
}

/**
 * Build a frozen {@link Provider}, keeping the client secret out of its properties. Without `endpoints`, the provider
 * discovers them from its `issuer`.
 */
export function defineProvider(definition: ProviderDefinition): Provider {
	const { endpoints, issuer } = definition;
	return createProvider({ ...definition, discovery: endpoints || !issuer ? undefined : openIdDiscovery(issuer) });
}

/** What a preset gives {@link createProvider}: a definition, and whether (and how) the provider discovers. */
export interface PresetDefinition extends ProviderDefinition {
	/**
	 * The first step of the provider's discovery; `undefined` for a preset with fixed endpoints, so that an app using
	 * it never bundles discovery's schemas.
	 */
	readonly discovery: DiscoveryStep | undefined;
	/** How the provider checks an API's RFC 9728 challenge (`resource-challenge.ts`); `undefined`: it does not. */
	readonly resourceChallenge?: ResourceChallengeCheck | undefined;
}

/** {@link defineProvider} for the presets, which say themselves whether they discover. Internal. */
export function createProvider(definition: PresetDefinition): Provider {
	const { clientSecret, discovery, resourceChallenge, ...data } = definition;
	const clientAuth = data.clientAuth ?? (clientSecret === undefined ? 'none' : 'body');
	// A string, or a method's name: those that send the secret or sign with it need one; `none`, `private_key_jwt` and
	// the mTLS methods (RFC 8705 2) do not.
	const method: string = (clientAuth as Partial<ClientAuthMethod>).method ?? (clientAuth as string);
	// Never shown: only what it is ("undefined", "a number").
	if (/^(body|basic|client_secret_jwt)$/.test(method) && (typeof clientSecret !== 'string' || !clientSecret)) {
		throw invalidOption('clientSecret', `a non-empty string with clientAuth "${method}"`, clientSecret);
	}
	const provider: Provider = Object.freeze({
		...data,
		clientAuth,
		bodyEncoding: data.bodyEncoding ?? 'form',
		rejectionStatuses: Object.freeze([...(data.rejectionStatuses ?? [401])]),
		isRefreshRejected: data.isRefreshRejected ?? isInvalidGrant,
	});
	internals.set(provider, { secret: clientSecret, discovery, resourceChallenge });
	return provider;
}

/** The provider's client secret, for building a request. Internal: never log what it returns. */
export function clientSecretOf(provider: Provider): string | undefined {
	return internals.get(provider)?.secret;
}

/** The first step of the provider's discovery; `undefined` when it does not discover. Internal. */
export function discoveryOf(provider: Provider): DiscoveryStep | undefined {
	return internals.get(provider)?.discovery;
}

/**
 * How the provider checks that an API rejecting its token trusts its authorization server (RFC 9728); `undefined` when
 * it does not (the presets; a provider knowing no issuer). Internal.
 */
export function resourceChallengeOf(provider: Provider): ResourceChallengeCheck | undefined {
	return internals.get(provider)?.resourceChallenge;
}
