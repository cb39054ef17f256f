import type { SessionMeta } from '../../file.js';
import { type ClientAuthMethod, oauth2, type Provider } from '../../index.js';
import { readClientKey } from '../client-key.js';
import { requireOption, withFlagNames, type OptionSpecs } from '../args.js';
import { UsageError } from '../cli-error.js';
import type { LoginQuery } from '../session-lookup.js';
import { scopeOption } from './token-request.js';

/** The flags that name an OAuth2 server and a client for a person's session (`login`, `token --session`, `logout`). */
export const OAUTH2_SESSION_OPTIONS = {
	issuer: { type: 'string' },
	'authorization-endpoint': { type: 'string' },
	'token-endpoint': { type: 'string' },
	'revocation-endpoint': { type: 'string' },
	'device-authorization-endpoint': { type: 'string' },
	'client-id': { type: 'string' },
	'client-key': { type: 'string' },
	scope: { type: 'string', multiple: true },
} as const satisfies OptionSpecs;

/** Their `--help` lines. */
export const OAUTH2_SESSION_OPTIONS_HELP = `\
  --issuer <url>            the server's issuer: its endpoints are found by OpenID discovery
  --token-endpoint <url>    or the endpoints themselves: the token endpoint, and
  --authorization-endpoint <url>          for a browser login
  --device-authorization-endpoint <url>   for --device
  --revocation-endpoint <url>             for logout to revoke
  --client-id <id>          the client's id (required); a public client (PKCE), no secret
  --client-key <file>       or a confidential one that proves itself with this private key (private_key_jwt,
                            RFC 7523; a JWK or PEM file): give it to every command of the session (login,
                            token --session, logout), since its refreshes and revocations need it too
  --scope <scope>           scope to ask for; repeat for more (part of what names the session)`;

type SessionValues = { readonly [K in keyof typeof OAUTH2_SESSION_OPTIONS]?: K extends 'scope' ? string[] : string };

/** The provider of a person's OAuth2 session, from the flags; `device` for the device grant. */
export function oauth2SessionProvider(
	values: SessionValues,
	command: string,
	options: { device?: boolean; redirectUri?: string } = {},
): Provider {
	if ((values.issuer === undefined) === (values['token-endpoint'] === undefined)) {
		throw new UsageError('Pass exactly one of --issuer and --token-endpoint', command);
	}
	const clientId = requireOption(values['client-id'], 'client-id', command);
	return withFlagNames(
		() =>
			oauth2({
				issuer: values.issuer,
				tokenEndpoint: values['token-endpoint'],
				authorizationEndpoint: values['authorization-endpoint'],
				revocationEndpoint: values['revocation-endpoint'],
				deviceAuthorizationEndpoint: values['device-authorization-endpoint'],
				clientId,
				clientAuth: clientKeyOf(values, command),
				scope: scopeOption(values.scope),
				grant: options.device ? 'device_code' : 'authorization_code',
				redirectUri: options.redirectUri,
			}),
		command,
	);
}

/** The `privateKeyJwt` of `--client-key`, when given. */
function clientKeyOf(values: SessionValues, command: string): ClientAuthMethod | undefined {
	const file = values['client-key'];
	return file === undefined ? undefined : readClientKey(file, command).clientAuth;
}

/**
 * The login session the flags of `token oauth2 --session` or `logout oauth2` mean: the one they name, or, without
 * --issuer and --token-endpoint, the one stored for this client id (and scope, when given).
 */
export function oauth2LoginQuery(values: SessionValues, command: string): LoginQuery {
	if (values.issuer !== undefined && values['token-endpoint'] !== undefined) {
		throw new UsageError('Pass one of --issuer and --token-endpoint, not both', command);
	}
	const clientId = requireOption(values['client-id'], 'client-id', command);
	const namesServer = values.issuer !== undefined || values['token-endpoint'] !== undefined;
	return {
		command,
		provider: 'oauth2',
		clientId,
		scope: scopeOption(values.scope),
		named: namesServer ? oauth2SessionProvider(values, command) : undefined,
		loginCommand: oauth2LoginCommand(values),
		fromMeta: (meta) => providerOf(meta, clientId, clientKeyOf(values, command)),
		flagsOf: (meta) => [...serverFlags(meta), ...(meta.scope ? [`--scope "${meta.scope}"`] : [])].join(' '),
	};
}

/** The provider of a stored login, from what its meta says of the server; `undefined` when it says nothing usable. */
function providerOf(meta: SessionMeta, clientId: string, clientAuth: ClientAuthMethod | undefined): Provider | undefined {
	try {
		return oauth2({
			issuer: meta.issuer,
			tokenEndpoint: meta.tokenEndpoint,
			authorizationEndpoint: meta.authorizationEndpoint,
			revocationEndpoint: meta.revocationEndpoint,
			deviceAuthorizationEndpoint: meta.deviceAuthorizationEndpoint,
			clientId,
			clientAuth,
			scope: meta.scope,
			grant: 'authorization_code',
		});
	} catch {
		return undefined;
	}
}

/** The flags that name a stored login's server, as its login gave them. */
function serverFlags(meta: SessionMeta): string[] {
	if (meta.issuer) return [`--issuer ${meta.issuer}`];
	if (!meta.tokenEndpoint) return [`--issuer|--token-endpoint ${meta.url}`];
	const endpoints = [
		['token-endpoint', meta.tokenEndpoint],
		['authorization-endpoint', meta.authorizationEndpoint],
		['device-authorization-endpoint', meta.deviceAuthorizationEndpoint],
		['revocation-endpoint', meta.revocationEndpoint],
	] as const;
	return endpoints.filter(([, url]) => url !== undefined).map(([flag, url]) => `--${flag} ${url}`);
}

/** The `login oauth2` command that starts the session these flags name, for messages. */
export function oauth2LoginCommand(values: SessionValues): string {
	const flags = (['issuer', 'token-endpoint', 'authorization-endpoint', 'device-authorization-endpoint', 'client-id'] as const)
		.filter((flag) => values[flag] !== undefined)
		.map((flag) => `--${flag} ${values[flag]}`);
	const server = values.issuer === undefined && values['token-endpoint'] === undefined ? ['--issuer <url>'] : [];
	const scope = scopeOption(values.scope);
	return ['tokenkeeper login oauth2', ...server, ...flags, ...(scope ? [`--scope "${scope}"`] : [])].join(' ');
}
