import { createAuthorizationCodeFlow, type Provider, sqowey } from '../../index.js';
import { COMMON_OPTIONS, parseCommandArgs, requireOption, withFlagNames, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { printWarning } from '../output.js';
import { openSessionStore, sessionKey } from '../sessions.js';
import { OAUTH2_SESSION_OPTIONS, OAUTH2_SESSION_OPTIONS_HELP, oauth2SessionProvider } from './oauth2-session.js';

/**
 * Revoke the stored session's tokens at the provider (RFC 7009) when it can, then delete the session, whatever the
 * revocation said (a damaged session file is deleted too). Says what happened on stderr.
 */
async function logout(context: CliContext, provider: Provider): Promise<ExitCode> {
	const store = openSessionStore(context);
	const key = sessionKey(provider);
	const flow = createAuthorizationCodeFlow(provider, { store, key });
	const { revoked, errors } = await flow.logout();
	if (revoked) context.stderr.write('tokenkeeper: logged out: the tokens were revoked at the provider and the session deleted\n');
	else if (errors.length === 0) context.stderr.write('tokenkeeper: no stored session for this client: nothing to do\n');
	else {
		printWarning(
			context,
			`the session was deleted here, but revocation failed (${errors.map((error) => error.message).join(' ')}); ` +
				'the tokens stay valid at the provider until they expire',
		);
	}
	return ExitCode.Ok;
}

const SQOWEY_OPTIONS = { ...COMMON_OPTIONS, 'client-id': { type: 'string' }, url: { type: 'string' } } as const satisfies OptionSpecs;

/** `tokenkeeper logout sqowey` */
export const logoutSqowey: Command = {
	name: 'logout sqowey',
	summary: 'revoke the stored Sqowey session at the provider and delete it',
	help: `\
Usage: tokenkeeper logout sqowey --client-id <id> [--url <url>]

Revokes the refresh and access tokens of the session \`tokenkeeper login sqowey\` stored (RFC 7009), then
deletes it. If revocation fails, the session is deleted all the same, and a warning says so.

Options:
  --client-id <id>          the application's id, as given to login (required)
  --url <url>               the Sqowey API, as given to login (default https://api.sqowey.de)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,
	async run(args, context) {
		const values = parseCommandArgs(args, SQOWEY_OPTIONS, 'logout sqowey');
		const clientId = requireOption(values['client-id'], 'client-id', 'logout sqowey');
		return logout(
			context,
			withFlagNames(() => sqowey({ url: values.url, clientId, redirectUri: 'http://127.0.0.1/callback' }), 'logout sqowey'),
		);
	},
};

/** `tokenkeeper logout oauth2` */
export const logoutOAuth2: Command = {
	name: 'logout oauth2',
	summary: 'revoke the stored OAuth2 session at the provider and delete it',
	help: `\
Usage: tokenkeeper logout oauth2 (--issuer <url> | --token-endpoint <url> …) --client-id <id> [--scope <scope>]

Revokes the tokens of the session \`tokenkeeper login oauth2\` stored (RFC 7009; the server's revocation
endpoint, from discovery or --revocation-endpoint), then deletes it. If revocation fails or the server has
no revocation endpoint, the session is deleted all the same, and a warning says so.

Options:
${OAUTH2_SESSION_OPTIONS_HELP}
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,
	async run(args, context) {
		const values = parseCommandArgs(args, { ...COMMON_OPTIONS, ...OAUTH2_SESSION_OPTIONS }, 'logout oauth2');
		return logout(context, oauth2SessionProvider(values, 'logout oauth2'));
	},
};
