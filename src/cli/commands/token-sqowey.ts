import { sqowey } from '../../index.js';
import { COMMON_OPTIONS, integerOption, parseCommandArgs, requireOption, withFlagNames, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { printSessionToken } from './session-token.js';
import { OUTPUT_OPTIONS_HELP, tokenFormat } from './token-request.js';

const NAME = 'token sqowey';

const OPTIONS = {
	...COMMON_OPTIONS,
	'client-id': { type: 'string' },
	url: { type: 'string' },
	json: { type: 'boolean' },
	header: { type: 'boolean' },
	timeout: { type: 'string' },
} as const satisfies OptionSpecs;

/** `tokenkeeper token sqowey`: a fresh access token from the session `login sqowey` stored. */
export const tokenSqowey: Command = {
	name: NAME,
	summary: 'print a fresh Sqowey access token from the stored login (refreshing it when needed)',
	help: `\
Usage: tokenkeeper token sqowey --client-id <id> [--url <url>] [--json | --header]

Prints a fresh access token from the session \`tokenkeeper login sqowey\` stored, refreshing it (with
its rotating refresh token) when it expired. Runs at the same moment make one refresh between them.
Without a stored session it exits 1 and prints the login command to run.

Options:
  --client-id <id>          the application's id, as given to login (required)
  --url <url>               the Sqowey API, as given to login (default https://api.sqowey.de)
${OUTPUT_OPTIONS_HELP}
  --timeout <ms>            timeout of a refresh request (default 10000)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const clientId = requireOption(values['client-id'], 'client-id', NAME);
		const provider = withFlagNames(() => sqowey({ url: values.url, clientId, redirectUri: 'http://127.0.0.1/callback' }), NAME);
		const loginCommand = ['tokenkeeper login sqowey', `--client-id ${clientId}`, ...(values.url ? [`--url ${values.url}`] : [])].join(' ');
		return printSessionToken(context, provider, {
			format: tokenFormat(values, NAME),
			timeout: integerOption(values.timeout, 'timeout', NAME, 2 ** 31 - 1),
			loginCommand,
		});
	},
};
