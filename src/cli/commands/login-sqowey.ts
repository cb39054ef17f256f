import { createAuthorizationCodeFlow, sqowey } from '../../index.js';
import { COMMON_OPTIONS, integerOption, parseCommandArgs, requireOption, withFlagNames, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { startLoopbackServer } from '../loopback-server.js';
import { openBrowser } from '../open-browser.js';
import { printTokenSet } from '../output.js';
import { redact } from '../../endpoint/index.js';
import { oneLine } from '../terminal-text.js';
import { scopeOption } from './token-request.js';

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
	timeout: { type: 'string' },
} as const satisfies OptionSpecs;

/** `tokenkeeper login sqowey`: a person logs in in the browser; the CLI gets the tokens (RFC 8252). */
export const loginSqowey: Command = {
	name: NAME,
	summary: 'log in to Sqowey in the browser and print the access token (PKCE)',
	help: `\
Usage: tokenkeeper login sqowey --client-id <id> [--url <url>] [--scope <scope>] [--port <n>] [--json]

Logs you in to Sqowey with the authorization code flow and PKCE, as a native app does (RFC 8252):
opens the authorization URL in your browser (and prints it on stderr, to open it yourself), receives
the redirect on http://127.0.0.1:<port>/callback, exchanges the code, and prints the access token and
a newline on stdout (--json: the whole token set, refresh token included). No client secret is used.

Options:
  --client-id <id>          the application's id from dev.sqowey.de (required); it must accept
                            loopback redirect URIs
  --url <url>               the Sqowey API (default https://api.sqowey.de)
  --scope <scope>           scope to ask for (default identity); repeat for more
  --port <n>                the loopback port for the redirect (default 0: a free one)
  --no-open                 do not open a browser; only print the URL
  --wait <seconds>          how long to wait for the login (default ${DEFAULT_WAIT_SECONDS})
  --json                    print the whole token set as JSON, tokens included
  --timeout <ms>            timeout of the token request (default 10000)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

Examples:
  tokenkeeper login sqowey --client-id my-app --json > tokens.json

${EXIT_CODES_HELP} (1 also: the login was refused or not completed in time)`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const clientId = requireOption(values['client-id'], 'client-id', NAME);
		const port = integerOption(values.port, 'port', NAME, 65_535) ?? 0;
		const waitSeconds = integerOption(values.wait, 'wait', NAME, 24 * 3600) ?? DEFAULT_WAIT_SECONDS;
		const timeout = integerOption(values.timeout, 'timeout', NAME, 2 ** 31 - 1);
		// Checked before listening, so a bad --url costs no port.
		withFlagNames(() => sqowey({ url: values.url, clientId, redirectUri: 'http://127.0.0.1/callback' }), NAME);

		const server = await startLoopbackServer(port);
		try {
			const provider = sqowey({ url: values.url, clientId, redirectUri: server.redirectUri });
			const flow = createAuthorizationCodeFlow(provider, { storage: 'memory', timeout });
			const authorizationUrl = await flow.createAuthorizationUrl({ scope: scopeOption(values.scope) ?? DEFAULT_SCOPE });
			context.stderr.write(`tokenkeeper: open this URL in a browser to log in (waiting up to ${waitSeconds} s):\n${authorizationUrl}\n`);
			if (!values['no-open'] && !(await openBrowser(authorizationUrl, context.env))) {
				context.stderr.write('tokenkeeper: no browser could be opened: open the URL above yourself\n');
			}

			const callback = await server.callback(waitSeconds * 1000);
			try {
				const tokenSet = await flow.handleCallback(callback.url);
				callback.respond({ ok: true, message: 'Logged in: you can close this tab and return to the terminal.' });
				printTokenSet(context.stdout, tokenSet, values.json === true ? 'json' : 'token');
				return ExitCode.Ok;
			} catch (error) {
				const message = error instanceof Error ? error.message : String(error);
				callback.respond({ ok: false, message: oneLine(redact(message, context.secrets)) });
				throw error;
			}
		} finally {
			await server.close();
		}
	},
};
