import { createAuthorizationCodeFlow } from '../../index.js';
import { COMMON_OPTIONS, parseCommandArgs, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { printWarning } from '../output.js';
import { findLogin, type LoginQuery } from '../session-lookup.js';
import { openSessionStore } from '../sessions.js';
import { OAUTH2_SESSION_OPTIONS, OAUTH2_SESSION_OPTIONS_HELP, oauth2LoginQuery } from './oauth2-session.js';
import { SQOWEY_SESSION_OPTIONS, SQOWEY_SESSION_OPTIONS_HELP, sqoweyLoginQuery } from './sqowey-session.js';

/**
 * Revoke the stored session's tokens at the provider (RFC 7009) when it can, then delete the session, whatever the
 * revocation said (a damaged session file is deleted too). Says what happened on stderr. No such session is exit 1,
 * with what is stored (see {@link findLogin}): a logout that finds nothing has not done what it was asked.
 */
async function logout(context: CliContext, query: LoginQuery): Promise<ExitCode> {
	const store = openSessionStore(context);
	const { provider, key } = await findLogin(store, query);
	const flow = createAuthorizationCodeFlow(provider, { store, key, fetch: context.requests.fetch });
	const { revoked, errors } = await flow.logout();
	if (revoked) context.stderr.write('tokenkeeper: logged out: the tokens were revoked at the provider and the session deleted\n');
	else if (errors.length === 0) context.stderr.write('tokenkeeper: the session file could not be read; it was deleted\n');
	else {
		printWarning(
			context,
			`the session was deleted here, but revocation failed (${errors.map((error) => error.message).join(' ')}); ` +
				'the tokens stay valid at the provider until they expire',
		);
	}
	return ExitCode.Ok;
}

const SQOWEY_OPTIONS = { ...COMMON_OPTIONS, ...SQOWEY_SESSION_OPTIONS } as const satisfies OptionSpecs;
const OAUTH2_OPTIONS = { ...COMMON_OPTIONS, ...OAUTH2_SESSION_OPTIONS } as const satisfies OptionSpecs;

/** `tokenkeeper logout sqowey` */
export const logoutSqowey: Command = {
	name: 'logout sqowey',
	options: SQOWEY_OPTIONS,
	summary: 'revoke the stored Sqowey session at the provider and delete it',
	help: `\
Usage: tokenkeeper logout sqowey --client-id <id> [--url <url>]

Revokes the refresh and access tokens of the session \`tokenkeeper login sqowey\` stored (RFC 7009), then
deletes it. If revocation fails, the session is deleted all the same, and a warning says so.
Without --url, the one login stored for this client id (several: exit 2, naming the --url of each).
No stored login: exit 1, listing the stored ones.

Options:
${SQOWEY_SESSION_OPTIONS_HELP}
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,
	async run(args, context) {
		const values = parseCommandArgs(args, SQOWEY_OPTIONS, 'logout sqowey');
		return logout(context, sqoweyLoginQuery(values, 'logout sqowey'));
	},
};

/** `tokenkeeper logout oauth2` */
export const logoutOAuth2: Command = {
	name: 'logout oauth2',
	options: OAUTH2_OPTIONS,
	summary: 'revoke the stored OAuth2 session at the provider and delete it',
	help: `\
Usage: tokenkeeper logout oauth2 [--issuer <url> | --token-endpoint <url> …] --client-id <id> [--scope <scope>]

Revokes the tokens of the session \`tokenkeeper login oauth2\` stored (RFC 7009; the server's revocation
endpoint, from discovery or --revocation-endpoint), then deletes it. If revocation fails or the server has
no revocation endpoint, the session is deleted all the same, and a warning says so. Without --issuer and
--token-endpoint, the one login stored for this client id (and --scope, when given); several: exit 2, naming
the flags of each. No stored login: exit 1, listing the stored ones.

Options:
${OAUTH2_SESSION_OPTIONS_HELP}
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,
	async run(args, context) {
		const values = parseCommandArgs(args, OAUTH2_OPTIONS, 'logout oauth2');
		return logout(context, oauth2LoginQuery(values, 'logout oauth2'));
	},
};
