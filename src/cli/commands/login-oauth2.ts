import { COMMON_OPTIONS, integerOption, parseCommandArgs, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { printTokenSet } from '../output.js';
import { OAUTH2_SESSION_OPTIONS, OAUTH2_SESSION_OPTIONS_HELP, oauth2SessionProvider } from './oauth2-session.js';
import { loginInBrowser, loginOnDevice } from './person-login.js';
import { RESOURCE_OPTION, resourcesOption } from './resource-option.js';
import { OUTPUT_OPTIONS_HELP, scopeOption, tokenFormat, warnIfNotDpop } from './token-request.js';

const NAME = 'login oauth2';
const DEFAULT_WAIT_SECONDS = 300;

const OPTIONS = {
	...COMMON_OPTIONS,
	...OAUTH2_SESSION_OPTIONS,
	...RESOURCE_OPTION,
	device: { type: 'boolean' },
	port: { type: 'string' },
	'no-open': { type: 'boolean' },
	wait: { type: 'string' },
	json: { type: 'boolean' },
	header: { type: 'boolean' },
	timeout: { type: 'string' },
	dpop: { type: 'boolean' },
	par: { type: 'boolean' },
} as const satisfies OptionSpecs;

/** `tokenkeeper login oauth2`: a person logs in to any OAuth2 server, in a browser or on another device. */
export const loginOAuth2: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'log in to any OAuth2 server (browser with PKCE, or --device) and keep the session',
	help: `\
Usage: tokenkeeper login oauth2 (--issuer <url> | --token-endpoint <url> …) --client-id <id> [--scope <scope>]
                               [--resource <url> …] [--device]

Logs you in and keeps the session (refresh token included) in the sessions directory; then
\`tokenkeeper token oauth2 --session …\` (same flags) prints a fresh token from it.
  Browser (default): the authorization code flow with PKCE and a redirect to http://127.0.0.1:<port>/callback
                     (RFC 8252); the client must accept loopback redirect URIs.
  --device:          the device authorization grant (RFC 8628), for machines without a browser (SSH, CI,
                     containers): the URL and code to enter on any device are printed on stderr.
With --resource (repeatable): one login for several APIs (RFC 8707): the authorization request (or the device
authorization request) names each; the token printed is for the first; \`token oauth2 --session --resource <url>\` gets the others
from the session's refresh token, with no new login, and keeps them in the same session.

Options:
${OAUTH2_SESSION_OPTIONS_HELP}
  --resource <url>          an API the login is for (RFC 8707 resource indicator, an absolute URL); repeat
                            for more. Not part of the session's name: a later login replaces the session
  --device                  log in on another device (RFC 8628) instead of this machine's browser
  --port <n>                the loopback port for the redirect (default 0: a free one)
  --no-open                 do not open a browser; only print the URL
  --wait <seconds>          how long to wait for the login (default ${DEFAULT_WAIT_SECONDS})
  --dpop                    DPoP-bound tokens (RFC 9449): a key made for the session and kept with it,
                            in the same 0600 session file; the server must support DPoP
  --par                     push the authorization request first (RFC 9126); the URL to open then holds only
                            client_id and request_uri. A server that requires it gets it pushed without the flag
${OUTPUT_OPTIONS_HELP}
  --timeout <ms>            timeout of each token request (default 10000)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

Examples:
  tokenkeeper login oauth2 --issuer https://login.example.com --client-id my-cli --scope "openid offline_access"
  tokenkeeper login oauth2 --issuer https://login.example.com --client-id my-cli --device
  tokenkeeper login oauth2 --issuer https://login.example.com --client-id my-cli --scope offline_access \\
    --resource https://orders.example.com/ --resource https://billing.example.com/

${EXIT_CODES_HELP} (1 also: the login was refused, or not completed in time)`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const format = tokenFormat(values, NAME);
		const device = values.device === true;
		const resources = resourcesOption(values.resource, NAME);
		// Checked before anything listens or is sent, so a bad flag costs nothing.
		oauth2SessionProvider(values, NAME, { device, redirectUri: 'http://127.0.0.1/callback' });
		const options = {
			scope: scopeOption(values.scope),
			timeout: integerOption(values.timeout, 'timeout', NAME, 2 ** 31 - 1),
			waitSeconds: integerOption(values.wait, 'wait', NAME, 24 * 3600) ?? DEFAULT_WAIT_SECONDS,
			port: integerOption(values.port, 'port', NAME, 65_535) ?? 0,
			open: !values['no-open'],
			dpop: values.dpop === true,
			par: values.par === true,
			resources,
		};
		const tokenSet = device
			? await loginOnDevice(context, oauth2SessionProvider(values, NAME, { device }), options)
			: await loginInBrowser(context, (redirectUri) => oauth2SessionProvider(values, NAME, { redirectUri }), options);
		if (values.dpop) warnIfNotDpop(context, tokenSet);
		printTokenSet(context.stdout, tokenSet, format);
		return ExitCode.Ok;
	},
};
