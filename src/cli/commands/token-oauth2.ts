import { oauth2 } from '../../index.js';
import { parseCommandArgs, requireOption, withFlagNames } from '../args.js';
import { UsageError } from '../cli-error.js';
import { readClientKey } from '../client-key.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { CLIENT_SECRET, howToPass, offersSecret, readSecret } from '../secrets.js';
import { openSessionStore } from '../sessions.js';
import { refuseForStoredLogin } from '../session-lookup.js';
import { OAUTH2_SESSION_OPTIONS, oauth2LoginQuery } from './oauth2-session.js';
import { RESOURCE_OPTION, resourceOption } from './resource-option.js';
import { printSessionToken } from './session-token.js';
import { clientAuthOption, printToken, scopeOption, TOKEN_OPTIONS, TOKEN_OPTIONS_HELP, tokenRequestOptions } from './token-request.js';

const NAME = 'token oauth2';

const OPTIONS = {
	...TOKEN_OPTIONS,
	...OAUTH2_SESSION_OPTIONS,
	...RESOURCE_OPTION,
	'client-auth': { type: 'string' },
	session: { type: 'boolean' },
	dpop: { type: 'boolean' },
} as const;

/** `tokenkeeper token oauth2`: one access token from any RFC 6749 server (client credentials). */
export const tokenOAuth2: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'print an access token from any OAuth2 server (client credentials)',
	help: `\
Usage: tokenkeeper token oauth2 (--token-endpoint <url> | --issuer <url>) --client-id <id> [--scope <scope>]
                               [--resource <url>] [--json]
       tokenkeeper token oauth2 --session [--issuer <url> | --token-endpoint <url>] --client-id <id> [--scope <scope>]
                               [--resource <url>]

Prints one access token and a newline on stdout (client credentials grant, RFC 6749 4.4).
The client secret comes from TOKENKEEPER_CLIENT_SECRET, or from stdin with --client-secret-stdin.
With --session: a fresh token from the session \`tokenkeeper login oauth2\` stored with the same flags
(refreshed, with rotation, when needed); no secret is read. Without --issuer and --token-endpoint, the one
login stored for this client id (and --scope, when given): several exit 2, naming the flags of each. Without
a stored login it exits 1, lists the stored ones and prints the login command. A stored login is never used
without --session: a person's token is not the client's own.
With --resource: a token for that API (RFC 8707), kept in the same session beside the session's other
tokens (one per API, and with --session the login's one refresh token): the session is the one the other
flags name, with or without --resource. A repeat is served from the session file without a request; a
first token for an API comes by refresh (--session) or by a new client credentials request.

Options:
  --token-endpoint <url>    the token endpoint
  --issuer <url>            or the issuer: the token endpoint is found by OpenID discovery
  --client-id <id>          the client's id (required)
  --scope <scope>           scope to ask for (default: none, the server's default); repeat for more
  --resource <url>          the API the token is for (RFC 8707 resource indicator, an absolute URL); the
                            server refuses an API it does not serve for this client (invalid_target, exit 1)
  --client-auth <how>       basic (Authorization header, the default) or body (client_secret in the form)
  --client-key <file>       authenticate with a JWT signed by this private key (private_key_jwt, RFC 7523): a
                            private JWK (JSON) or a PEM file; no secret is read. Needs --issuer: the
                            assertion's audience is the issuer identifier. With --session: the key the
                            session's login was made with (\`login oauth2 --client-key\`), for its refreshes
  --session                 print a token from the session \`login oauth2\` stored (see above); a session
                            logged in with --dpop refreshes with the key it keeps, without this flag
  --dpop                    a DPoP-bound token (RFC 9449), cached with its key (apart from Bearer ones); only
                            a client that signs DPoP proofs with that key can use it
${TOKEN_OPTIONS_HELP}

Examples:
  tokenkeeper token oauth2 --issuer https://login.example.com --client-id my-service --client-key key.jwk.json
  export TOKENKEEPER_CLIENT_SECRET=…
  TOKEN=$(tokenkeeper token oauth2 --issuer https://login.example.com --client-id my-service --scope api.read)
  tokenkeeper token oauth2 --session --client-id my-cli --resource https://billing.example.com/

${EXIT_CODES_HELP}`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const request = { ...tokenRequestOptions(values, NAME), dpop: values.dpop === true, resource: resourceOption(values.resource, NAME) };
		if (values.session) {
			const { format, timeout, resource } = request;
			return printSessionToken(context, oauth2LoginQuery(values, NAME), { format, timeout, resource });
		}
		const tokenEndpoint = values['token-endpoint'];
		const issuer = values.issuer;
		if ((tokenEndpoint === undefined) === (issuer === undefined)) {
			throw new UsageError('Pass exactly one of --token-endpoint and --issuer', NAME);
		}
		const clientId = requireOption(values['client-id'], 'client-id', NAME);
		const keyFile = values['client-key'];
		if (keyFile !== undefined) {
			if (values['client-auth'] !== undefined) throw new UsageError('Pass one of --client-key and --client-auth', NAME);
			const { clientAuth, secret } = readClientKey(keyFile, NAME);
			const provider = withFlagNames(() => oauth2({ tokenEndpoint, issuer, clientId, clientAuth, scope: scopeOption(values.scope) }), NAME);
			return printToken(context, provider, request, [secret]);
		}
		const clientAuth = clientAuthOption(values['client-auth'], NAME) ?? 'basic';
		const secretFlags = { argv: values['client-secret'], stdin: values['client-secret-stdin'] };
		// A public client has no secret, only the login a person made: say so, rather than only ask for a secret.
		if (!offersSecret(context, CLIENT_SECRET, secretFlags)) {
			await refuseForStoredLogin(openSessionStore(context), oauth2LoginQuery(values, NAME), howToPass(CLIENT_SECRET));
		}
		const clientSecret = await readSecret(context, CLIENT_SECRET, secretFlags, NAME);
		const provider = withFlagNames(
			() =>
				oauth2({
					tokenEndpoint,
					issuer,
					clientId,
					clientSecret,
					clientAuth,
					scope: scopeOption(values.scope),
				}),
			NAME,
		);
		return printToken(context, provider, request, [clientSecret]);
	},
};
