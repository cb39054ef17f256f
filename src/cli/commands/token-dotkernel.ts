import { dotkernel } from '../../index.js';
import { parseCommandArgs, requireOption, withFlagNames } from '../args.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { CLIENT_SECRET, PASSWORD, readSecret } from '../secrets.js';
import { printToken, scopeOption, TOKEN_OPTIONS, TOKEN_OPTIONS_HELP, tokenRequestOptions } from './token-request.js';

const NAME = 'token dotkernel';

const OPTIONS = {
	...TOKEN_OPTIONS,
	url: { type: 'string' },
	username: { type: 'string' },
	'password-stdin': { type: 'boolean' },
	password: { type: 'string' },
} as const;

/** `tokenkeeper token dotkernel`: one Dotkernel API access token (password grant) for a script. */
export const tokenDotkernel: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'print a Dotkernel API access token (password grant)',
	help: `\
Usage: tokenkeeper token dotkernel --url <url> --client-id <id> --username <name> [--scope <scope>] [--json]

Prints one Dotkernel API access token and a newline on stdout (password grant, JSON body).
The client secret comes from TOKENKEEPER_CLIENT_SECRET, or from stdin with --client-secret-stdin;
the password from TOKENKEEPER_PASSWORD, or from stdin with --password-stdin (only one can use stdin).

Options:
  --url <url>               the Dotkernel API's base URL (required)
  --client-id <id>          frontend for users, admin for admins (required)
  --username <name>         the account's identity (required)
  --scope <scope>           scope to ask for (default api); repeat for more
  --password-stdin          read the password from stdin (one trailing newline is trimmed)
  --password <password>     the password in argv: other users can see it (ps); prints a warning
${TOKEN_OPTIONS_HELP}

Examples:
  export TOKENKEEPER_CLIENT_SECRET=frontend TOKENKEEPER_PASSWORD=…
  TOKEN=$(tokenkeeper token dotkernel --url https://api.example.net --client-id frontend --username me@example.net)
  curl -H "Authorization: Bearer $TOKEN" https://api.example.net/user/my-account

${EXIT_CODES_HELP}`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const request = tokenRequestOptions(values, NAME);
		const url = requireOption(values.url, 'url', NAME);
		const clientId = requireOption(values['client-id'], 'client-id', NAME);
		const username = requireOption(values.username, 'username', NAME);
		if (values['client-secret-stdin'] && values['password-stdin']) {
			throw new UsageError('Only one secret can come from stdin: pass the other in its environment variable', NAME);
		}
		const clientSecret = await readSecret(
			context,
			CLIENT_SECRET,
			{ argv: values['client-secret'], stdin: values['client-secret-stdin'] },
			NAME,
		);
		const password = await readSecret(context, PASSWORD, { argv: values.password, stdin: values['password-stdin'] }, NAME);
		const provider = withFlagNames(
			() =>
				dotkernel({
					url,
					clientId,
					clientSecret,
					scope: scopeOption(values.scope),
					username,
					credentials: async () => ({ username, password }),
				}),
			NAME,
		);
		return printToken(context, provider, request, [clientSecret, password]);
	},
};
