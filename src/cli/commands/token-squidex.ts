import { squidex } from '../../index.js';
import { parseCommandArgs, requireOption, withFlagNames } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { CLIENT_SECRET, readSecret } from '../secrets.js';
import { clientAuthOption, printToken, scopeOption, TOKEN_OPTIONS, TOKEN_OPTIONS_HELP, tokenRequestOptions } from './token-request.js';

const NAME = 'token squidex';

const OPTIONS = {
	...TOKEN_OPTIONS,
	url: { type: 'string' },
	'client-auth': { type: 'string' },
} as const;

/** `tokenkeeper token squidex`: one Squidex access token (client credentials) for a script. */
export const tokenSquidex: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'print a Squidex access token (client credentials)',
	help: `\
Usage: tokenkeeper token squidex --client-id <app:client> [--url <url>] [--scope <scope>] [--json]

Prints one Squidex access token and a newline on stdout (client credentials grant).
The client secret comes from TOKENKEEPER_CLIENT_SECRET, or from stdin with --client-secret-stdin.

Options:
  --client-id <id>          app-name:client-name, as in the app's client settings (required)
  --url <url>               the Squidex host (default https://cloud.squidex.io)
  --scope <scope>           scope to ask for (default squidex-api); repeat for more
  --client-auth <how>       body (client_secret in the form, the default) or basic (Authorization header)
${TOKEN_OPTIONS_HELP}

Examples:
  export TOKENKEEPER_CLIENT_SECRET=…
  TOKEN=$(tokenkeeper token squidex --client-id food-crunch:default)
  curl -H "Authorization: Bearer $TOKEN" https://cloud.squidex.io/api/apps/food-crunch/schemas
  pass show squidex | tokenkeeper token squidex --client-id food-crunch:default --client-secret-stdin

${EXIT_CODES_HELP}`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const request = tokenRequestOptions(values, NAME);
		const clientId = requireOption(values['client-id'], 'client-id', NAME);
		const clientAuth = clientAuthOption(values['client-auth'], NAME);
		const clientSecret = await readSecret(
			context,
			CLIENT_SECRET,
			{ argv: values['client-secret'], stdin: values['client-secret-stdin'] },
			NAME,
		);
		const provider = withFlagNames(
			() => squidex({ url: values.url, clientId, clientSecret, clientAuth, scope: scopeOption(values.scope) }),
			NAME,
		);
		return printToken(context, provider, request, [clientSecret]);
	},
};
