import { InvalidOptionError } from '../errors.js';
import { invalidOption, requireBaseUrl, requireUrl, requireString } from '../options.js';
import { openIdDiscovery } from '../discovery-document.js';
import { createResourceChallengeCheck } from '../resource-challenge.js';
import { isSecureUrl, resourceDiscovery } from '../resource-metadata.js';
import {
	createProvider,
	type BodyEncoding,
	type ClientAuthentication,
	type PasswordCredentials,
	type Provider,
	type ResourceParameter,
} from '../provider.js';

/**
 * Options of {@link oauth2}: a `tokenEndpoint`, or an `issuer` to discover it from, or a `resource` alone, whose
 * metadata names the authorization server (RFC 9728).
 */
export interface OAuth2Options {
	/** The token endpoint. Either this or `issuer` (or `resource` alone). */
	readonly tokenEndpoint?: string | undefined;
	/** For the authorization code flow, when not discovered from `issuer`. */
	readonly authorizationEndpoint?: string | undefined;
	/** Where `logout()` revokes tokens (RFC 7009), when not discovered from `issuer`. */
	readonly revocationEndpoint?: string | undefined;
	/** Where a device login starts (RFC 8628), when not discovered from `issuer`. */
	readonly deviceAuthorizationEndpoint?: string | undefined;
	/** For the authorization code flow: where the provider sends the browser back. */
	readonly redirectUri?: string | undefined;
	/**
	 * The issuer; endpoints are discovered from `{issuer}/.well-known/openid-configuration` once. Either this or
	 * `tokenEndpoint` (or `resource` alone).
	 */
	readonly issuer?: string | undefined;
	readonly clientId: string;
	readonly clientSecret?: string | undefined;
	/** Default `client_credentials`. */
	readonly grant?: 'client_credentials' | 'password' | 'authorization_code' | 'device_code' | undefined;
	/** For the password grant: called when a password grant is needed; its result is never stored. */
	readonly credentials?: (() => Promise<PasswordCredentials>) | undefined;
	/** Space-separated, or an array. */
	readonly scope?: string | readonly string[] | undefined;
	/** Default `basic` with a secret (RFC 6749 2.3.1's preference), `none` without. */
	readonly clientAuth?: ClientAuthentication | undefined;
	/** Default `form`. */
	readonly bodyEncoding?: BodyEncoding | undefined;
	/** API statuses that mean "token rejected". Default `[401]`. */
	readonly rejectionStatuses?: readonly number[] | undefined;
	/**
	 * The session's default resource (RFC 8707): the API whose tokens a call without a `resource` of its own gets.
	 * Alone (without `issuer` and `tokenEndpoint`), the API tells where to log in: its protected-resource metadata
	 * (`/.well-known/oauth-protected-resource` inserted before its path) names its authorization server, whose
	 * endpoints are discovered (RFC 8414, else OpenID discovery), once, on first need. Then it must be an https URL
	 * (or http on a loopback host), the API's resource identifier exactly as its metadata names it.
	 * @see https://www.rfc-editor.org/rfc/rfc8707
	 * @see https://www.rfc-editor.org/rfc/rfc9728
	 */
	readonly resource?: string | undefined;
	/** `resource` (RFC 8707, the default) or `audience` (Auth0): the parameter that names the resource. */
	readonly resourceParameter?: ResourceParameter | undefined;
}

function resourceParameterOption(value: unknown): ResourceParameter | undefined {
	if (value === undefined || value === 'resource' || value === 'audience') return value;
	throw invalidOption('resourceParameter', '"resource" or "audience"', value, true);
}

function optionalUrl(value: string | undefined, name: string): string | undefined {
	return value === undefined ? undefined : requireUrl(value, name);
}

/** The `resource` that is all an `oauth2()` provider knows of its server: where its metadata is fetched from. */
function discoverableResource(value: unknown): string {
	const resource = requireUrl(value, 'resource');
	if (!isSecureUrl(resource) || new URL(resource).hash) {
		throw invalidOption(
			'resource',
			'an https URL (or http on a loopback host) without a fragment, with neither `issuer` nor `tokenEndpoint`',
			resource,
			true,
		);
	}
	return resource;
}

/**
 * Any RFC 6749 server: its endpoints given, discovered from its `issuer`, or found from an API's URL (RFC 9728).
 * @see https://www.rfc-editor.org/rfc/rfc6749
 * @example
 * const auth = oauth2({ issuer: 'https://login.example.com', clientId, clientSecret, scope: 'api' });
 * const mcp = oauth2({ resource: 'https://mcp.example/mcp', clientId, clientSecret }); // finds its authorization server
 */
export function oauth2(given: OAuth2Options): Provider {
	const options: Partial<OAuth2Options> = given ?? {};
	// RFC 9728: a resource alone is where the server is found; its metadata names it.
	const byResource = !options.tokenEndpoint && !options.issuer && options.resource !== undefined;
	if (!options.tokenEndpoint === !options.issuer && !byResource) {
		throw new InvalidOptionError(
			'tokenEndpoint',
			`Expected exactly one of \`tokenEndpoint\` and \`issuer\`, or \`resource\` alone, got ${options.issuer ? 'both' : 'neither'}`,
		);
	}
	const grant = options.grant ?? 'client_credentials';
	const tokenEndpoint = options.tokenEndpoint === undefined ? undefined : requireUrl(options.tokenEndpoint, 'tokenEndpoint');
	const issuer = options.issuer === undefined ? undefined : requireBaseUrl(options.issuer, 'issuer');
	const resource = byResource ? discoverableResource(options.resource) : optionalUrl(options.resource, 'resource');
	const scope = Array.isArray(options.scope) ? options.scope.join(' ') : (options.scope as string | undefined);
	return createProvider({
		name: 'oauth2',
		clientId: requireString(options.clientId, 'clientId'),
		clientSecret: options.clientSecret,
		clientAuth: options.clientAuth ?? (options.clientSecret === undefined ? 'none' : 'basic'),
		issuer,
		discovery: byResource ? resourceDiscovery(resource!) : issuer === undefined ? undefined : openIdDiscovery(issuer),
		// Knowing its authorization server (given, or discovered), the session can tell an API that takes another's
		// tokens (RFC 9728 5); with a token endpoint alone, it cannot.
		resourceChallenge: tokenEndpoint === undefined ? createResourceChallengeCheck(issuer) : undefined,
		endpoints:
			tokenEndpoint === undefined
				? undefined
				: {
						token: tokenEndpoint,
						authorization: optionalUrl(options.authorizationEndpoint, 'authorizationEndpoint'),
						revocation: optionalUrl(options.revocationEndpoint, 'revocationEndpoint'),
						deviceAuthorization: optionalUrl(options.deviceAuthorizationEndpoint, 'deviceAuthorizationEndpoint'),
					},
		bodyEncoding: options.bodyEncoding ?? 'form',
		scope: scope || undefined,
		primaryGrant: grant === 'password' ? { type: 'password', credentials: options.credentials } : { type: grant },
		rejectionStatuses: options.rejectionStatuses ?? [401],
		redirectUri: optionalUrl(options.redirectUri, 'redirectUri'),
		resource,
		resourceParameter: resourceParameterOption(options.resourceParameter),
	});
}
