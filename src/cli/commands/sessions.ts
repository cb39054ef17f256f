import { COMMON_OPTIONS, parseCommandArgs, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { openSessionStore } from '../sessions.js';
import { oneLine } from '../terminal-text.js';

const NAME = 'sessions';
const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const satisfies OptionSpecs;

/** What `sessions` shows of one: never any part of a token, nor the secret's hash. */
interface SessionSummary {
	readonly provider: string | undefined;
	readonly url: string | undefined;
	readonly clientId: string | undefined;
	readonly scope: string | undefined;
	readonly username: string | undefined;
	/** ISO 8601, or `null` when the server gave no expiry. */
	readonly accessTokenExpires: string | null;
	readonly refreshToken: boolean;
	readonly file: string;
}

/** `tokenkeeper sessions`: the sessions kept on disk, without their tokens. */
export const sessions: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'list the sessions kept on disk (never their tokens)',
	help: `\
Usage: tokenkeeper sessions [--json]

Lists the sessions in the sessions directory ($TOKENKEEPER_HOME, else $XDG_CONFIG_HOME/tokenkeeper, else
~/.config/tokenkeeper): provider, URL, client id, scope, username where known, when the access token
expires, and whether a refresh token is held. Never any part of a token. Files it cannot read are listed
with what to do about them. Remove a session with \`tokenkeeper logout …\`, or delete its file.

Options:
  --json                    one JSON object: { dir, sessions: [...], unreadable: [...] }
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

${EXIT_CODES_HELP}`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const store = openSessionStore(context);
		const found = await store.list();
		const summaries: SessionSummary[] = [];
		const unreadable: Array<{ file: string; error: string }> = [];
		for (const entry of found) {
			if ('error' in entry) {
				unreadable.push({ file: entry.file, error: entry.error.message });
				continue;
			}
			const { meta, tokenSet } = entry;
			summaries.push({
				provider: meta?.provider,
				url: meta?.url,
				clientId: meta?.clientId,
				scope: meta?.scope ?? tokenSet.scope,
				username: meta?.username,
				accessTokenExpires: tokenSet.expiresAt === undefined ? null : new Date(tokenSet.expiresAt).toISOString(),
				refreshToken: tokenSet.refreshToken !== undefined,
				file: entry.file,
			});
		}
		if (values.json) {
			context.stdout.write(`${JSON.stringify({ dir: store.dir, sessions: summaries, unreadable }, null, 2)}\n`);
			return ExitCode.Ok;
		}
		if (summaries.length === 0 && unreadable.length === 0) {
			context.stdout.write(`No sessions in ${store.dir}\n`);
			return ExitCode.Ok;
		}
		for (const session of summaries) {
			// Each field made safe on its own: oneLine() trims, so a separator must come after it, never inside it.
			const fields = [session.provider, session.url, session.clientId, session.username, session.scope && `scope ${session.scope}`];
			const who = fields.filter((field): field is string => Boolean(field)).map(oneLine);
			const expiry = session.accessTokenExpires ? `access token until ${session.accessTokenExpires}` : 'access token without expiry';
			context.stdout.write(`${who.join('  ')}\n    ${expiry}, ${session.refreshToken ? 'refresh token held' : 'no refresh token'}\n`);
		}
		for (const { file, error } of unreadable) context.stdout.write(`unreadable: ${file}\n    ${oneLine(error)}\n`);
		return ExitCode.Ok;
	},
};
