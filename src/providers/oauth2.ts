import { InvalidOptionError } from '../errors.js';
import { invalidOption, requireBaseUrl, requireUrl, requireString } from '../options.js';
import { readDiscoveryDocument } from '../discovery-document.js';
import {
	createProvider,
	type BodyEncoding,
	type ClientAuthentication,
	type PasswordCredentials,
	type Provider,
	type ResourceParameter,
} from '../provider.js';

/** Options of {@link oauth2}: a `tokenEndpoint`, or an `issuer` to discover it from. */
export interface OAuth2Options {
	/** The token endpoint. Either this or `issuer`. */
	readonly tokenEndpoint?: string | undefined;
	/** For the authorization code flow, when not discovered from `issuer`. */
	readonly authorizationEndpoint?: string | undefined;
	/** Where `logout()` revokes tokens (RFC 7009), when not discovered from `issuer`. */
	readonly revocationEndpoint?: string | undefined;
	/** Where a device login starts (RFC 8628), when not discovered from `issuer`. */
	readonly deviceAuthorizationEndpoint?: string | undefined;
	/** For the authorization code flow: where the provider sends the browser back. */
	readonly redirectUri?: string | undefined;
	/** The issuer; endpoints are discovered from `{issuer}/.well-known/openid-configuration` once. */
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
	 * @see https://www.rfc-editor.org/rfc/rfc8707
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

/**
 * Any RFC 6749 server.
 * @see https://www.rfc-editor.org/rfc/rfc6749
 * @example
 * const auth = oauth2({ issuer: 'https://login.example.com', clientId, clientSecret, scope: 'api' });
 */
export function oauth2(given: OAuth2Options): Provider {
	const options: Partial<OAuth2Options> = given ?? {};
	if (!options.tokenEndpoint === !options.issuer) {
		throw new InvalidOptionError(
			'tokenEndpoint',
			`Expected exactly one of \`tokenEndpoint\` and \`issuer\`, got ${options.issuer ? 'both' : 'neither'}`,
		);
	}
	const grant = options.grant ?? 'client_credentials';
	const tokenEndpoint = options.tokenEndpoint === undefined ? undefined : requireUrl(options.tokenEndpoint, 'tokenEndpoint');
	const scope = Array.isArray(options.scope) ? options.scope.join(' ') : (options.scope as string | undefined);
	return createProvider({
		name: 'oauth2',
		clientId: requireString(options.clientId, 'clientId'),
		clientSecret: options.clientSecret,
		clientAuth: options.clientAuth ?? (options.clientSecret === undefined ? 'none' : 'basic'),
		issuer: options.issuer === undefined ? undefined : requireBaseUrl(options.issuer, 'issuer'),
		readDiscovery: tokenEndpoint === undefined ? readDiscoveryDocument : undefined,
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
		resource: optionalUrl(options.resource, 'resource'),
		resourceParameter: resourceParameterOption(options.resourceParameter),
	});
}
