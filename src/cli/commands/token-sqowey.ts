import { COMMON_OPTIONS, integerOption, parseCommandArgs, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { printSessionToken } from './session-token.js';
import { SQOWEY_SESSION_OPTIONS, SQOWEY_SESSION_OPTIONS_HELP, sqoweyLoginQuery } from './sqowey-session.js';
import { OUTPUT_OPTIONS_HELP, tokenFormat } from './token-request.js';

const NAME = 'token sqowey';

const OPTIONS = {
	...COMMON_OPTIONS,
	...SQOWEY_SESSION_OPTIONS,
	json: { type: 'boolean' },
	header: { type: 'boolean' },
	timeout: { type: 'string' },
} as const satisfies OptionSpecs;

/** `tokenkeeper token sqowey`: a fresh access token from the session `login sqowey` stored. */
export const tokenSqowey: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'print a fresh Sqowey access token from the stored login (refreshing it when needed)',
	help: `\
Usage: tokenkeeper token sqowey --client-id <id> [--url <url>] [--json | --header]

Prints a fresh access token from the session \`tokenkeeper login sqowey\` stored, refreshing it (with
its rotating refresh token) when it expired. Runs at the same moment make one refresh between them.
Without --url, it uses the one login stored for this client id (several: it exits 2 and names the
--url of each). Without a stored login it exits 1, lists the stored ones and prints the login command.

Options:
${SQOWEY_SESSION_OPTIONS_HELP}
${OUTPUT_OPTIONS_HELP}
  --timeout <ms>            timeout of a refresh request (default 10000)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		return printSessionToken(context, sqoweyLoginQuery(values, NAME), {
			format: tokenFormat(values, NAME),
			timeout: integerOption(values.timeout, 'timeout', NAME, 2 ** 31 - 1),
		});
	},
};
