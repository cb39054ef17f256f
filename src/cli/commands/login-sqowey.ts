import { sqowey } from '../../index.js';
import { COMMON_OPTIONS, integerOption, parseCommandArgs, requireOption, withFlagNames, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { printTokenSet } from '../output.js';
import { loginInBrowser } from './person-login.js';
import { scopeOption, tokenFormat, warnIfNotDpop } from './token-request.js';

const NAME = 'login sqowey';
const DEFAULT_WAIT_SECONDS = 300;
/** Sqowey refuses an authorization request without a scope; `identity` is the one it documents. */
const DEFAULT_SCOPE = 'identity';

const OPTIONS = {
	...COMMON_OPTIONS,
	'client-id': { type: 'string' },
	url: { type: 'string' },
	scope: { type: 'string', multiple: true },
	port: { type: 'string' },
	'no-open': { type: 'boolean' },
	wait: { type: 'string' },
	json: { type: 'boolean' },
	header: { type: 'boolean' },
	timeout: { type: 'string' },
	dpop: { type: 'boolean' },
} as const satisfies OptionSpecs;

/** `tokenkeeper login sqowey`: a person logs in in the browser; the CLI gets the tokens (RFC 8252). */
export const loginSqowey: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'log in to Sqowey in the browser and print the access token (PKCE)',
	help: `\
Usage: tokenkeeper login sqowey --client-id <id> [--url <url>] [--scope <scope>] [--port <n>] [--json]

Logs you in to Sqowey with the authorization code flow and PKCE, as a native app does (RFC 8252):
opens the authorization URL in your browser (and prints it on stderr, to open it yourself), receives
the redirect on http://127.0.0.1:<port>/callback, exchanges the code, keeps the session (refresh token
included) in the sessions directory, and prints the access token and a newline on stdout. Later,
\`tokenkeeper token sqowey\` prints a fresh token from that session. No client secret is used.

Options:
  --client-id <id>          the application's id from dev.sqowey.de (required); it must accept
                            loopback redirect URIs
  --url <url>               the Sqowey API (default https://api.sqowey.de)
  --scope <scope>           scope to ask for (default identity); repeat for more
  --port <n>                the loopback port for the redirect (default 0: a free one)
  --no-open                 do not open a browser; only print the URL
  --wait <seconds>          how long to wait for the login (default ${DEFAULT_WAIT_SECONDS})
  --dpop                    DPoP-bound tokens (RFC 9449): a key made for the session and kept with it,
                            in the same 0600 session file; the server must support DPoP
  --json                    print the whole token set as JSON, tokens included
  --header                  print "Authorization: Bearer <token>", for curl -H @-
  --timeout <ms>            timeout of the token request (default 10000)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

Examples:
  tokenkeeper login sqowey --client-id my-app
  curl -H "$(tokenkeeper token sqowey --client-id my-app --header)" https://api.sqowey.de/api/users/@me

${EXIT_CODES_HELP} (1 also: the login was refused or not completed in time)`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const clientId = requireOption(values['client-id'], 'client-id', NAME);
		const port = integerOption(values.port, 'port', NAME, 65_535) ?? 0;
		const waitSeconds = integerOption(values.wait, 'wait', NAME, 24 * 3600) ?? DEFAULT_WAIT_SECONDS;
		const timeout = integerOption(values.timeout, 'timeout', NAME, 2 ** 31 - 1);
		const format = tokenFormat(values, NAME);
		// Checked before listening, so a bad --url costs no port.
		withFlagNames(() => sqowey({ url: values.url, clientId, redirectUri: 'http://127.0.0.1/callback' }), NAME);
		const tokenSet = await loginInBrowser(context, (redirectUri) => sqowey({ url: values.url, clientId, redirectUri }), {
			scope: scopeOption(values.scope) ?? DEFAULT_SCOPE,
			timeout,
			waitSeconds,
			port,
			open: !values['no-open'],
			dpop: values.dpop === true,
		});
		if (values.dpop) warnIfNotDpop(context, tokenSet);
		printTokenSet(context.stdout, tokenSet, format);
		return ExitCode.Ok;
	},
};
