import path from 'node:path';
import type { FileSession, FileTokenStore, SessionMeta, UnreadableSessionFile } from '../file.js';
import type { Provider } from '../index.js';
import { sessionFileName } from '../stores/file/paths.js';
import { CliError, UsageError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { isLoginKey, providerUrl, sessionKey, sessionScope } from './sessions.js';

/** The login session a command (`token sqowey`, `token oauth2 --session`, `logout …`) means, as its flags say. */
export interface LoginQuery {
	/** For usage errors, e.g. `token sqowey`. */
	readonly command: string;
	/** The provider's name: `sqowey`, `oauth2`. */
	readonly provider: string;
	readonly clientId: string;
	/** The scope given (normalized), which narrows the search; `undefined` when none was given. */
	readonly scope: string | undefined;
	/** The session the flags name exactly, when they name its server (`--url`, `--issuer`, `--token-endpoint`). */
	readonly named: Provider | undefined;
	/** The `login` command for the flags as given. */
	readonly loginCommand: string;
	/** A stored login's provider, rebuilt from its meta; `undefined` when the meta does not say enough. */
	fromMeta(meta: SessionMeta): Provider | undefined;
	/** The flags that name a stored login's server (and scope), e.g. `--url http://127.0.0.1:7357`. */
	flagsOf(meta: SessionMeta): string;
}

/** The login session found, and how to start it again. */
export interface FoundLogin {
	readonly provider: Provider;
	readonly key: string;
	/** The `login` command that starts this session anew, for the message when it has ended. */
	readonly loginCommand: string;
}

type Listed = FileSession | UnreadableSessionFile;

/**
 * The login session the query means. With its server named, that session, when stored (a damaged file counts: the
 * manager reports it). Without, the one stored login of this provider and client id (and scope, when given).
 * None: a {@link CliError}, exit 1, with what is stored and the login command; several: a usage error (exit 2) with
 * the flags that choose one. Reads the sessions' list only: their tokens are the manager's.
 */
export async function findLogin(store: FileTokenStore, query: LoginQuery): Promise<FoundLogin> {
	const listed = await store.list();
	if (query.named) {
		const key = sessionKey(query.named);
		if (!holds(listed, key)) throw noLogin(store, listed, query);
		return { provider: query.named, key, loginCommand: query.loginCommand };
	}
	const matches = loginsOf(listed, query.provider).filter(
		({ meta }) => meta.clientId === query.clientId && (query.scope === undefined || sessionScope(meta.scope) === query.scope),
	);
	const [only, ...others] = matches;
	if (only === undefined) throw noLogin(store, listed, query);
	const what = `${query.provider} client ${query.clientId}`;
	if (others.length > 0) {
		const choices = matches.map(({ meta }) => query.flagsOf(meta)).join(' or ');
		throw new UsageError(`${matches.length} stored logins match ${what}: add ${choices}`, query.command);
	}
	const provider = query.fromMeta(only.meta);
	// The rebuilt provider must name the very session: else the meta (of an older tokenkeeper) said too little.
	if (provider === undefined || sessionKey(provider) !== only.key) {
		throw new UsageError(
			`The stored login of ${what} does not say how to reach its server (an older tokenkeeper stored it): add ${query.flagsOf(only.meta)}`,
			query.command,
		);
	}
	const loginCommand = `tokenkeeper login ${query.provider} --client-id ${query.clientId} ${query.flagsOf(only.meta)}`;
	return { provider, key: only.key, loginCommand };
}

/**
 * `token oauth2` without a secret for a client a person logged in with (a public client has no secret): a usage error
 * that names the stored login and says to add --session. A login is not used without it: a person's token carries the
 * person's rights, not the client's own, and a script must not switch identity unasked. Returns when no such login is
 * stored (or the list cannot be read): the missing secret is then the error to report.
 */
export async function refuseForStoredLogin(store: FileTokenStore, query: LoginQuery, secretHelp: string): Promise<void> {
	const listed = await store.list().catch(() => []);
	const server = query.named && providerUrl(query.named);
	const logins = loginsOf(listed, query.provider).filter(
		({ meta }) =>
			meta.clientId === query.clientId &&
			(server === undefined || meta.url === server) &&
			(query.scope === undefined || sessionScope(meta.scope) === query.scope),
	);
	if (logins.length === 0) return;
	const which = logins.map(({ meta }) => query.flagsOf(meta)).join('; ');
	throw new UsageError(
		`No client secret, but a person's login is stored for ${query.provider} client ${query.clientId} (${which}): add --session to ` +
			"print a token from it (it is not used without: a person's token is not the client's own); or, for the client " +
			`credentials grant, ${secretHelp}`,
		query.command,
	);
}

/** Whether the list holds `key`: a session, or a file of that name the store could not read. */
function holds(listed: readonly Listed[], key: string): boolean {
	return listed.some((entry) => ('key' in entry ? entry.key === key : path.basename(entry.file) === sessionFileName(key)));
}

/** The logins of `provider` in the list, with their meta. */
function loginsOf(listed: readonly Listed[], provider: string): Array<FileSession & { readonly meta: SessionMeta }> {
	return listed.filter(
		(entry): entry is FileSession & { meta: SessionMeta } => 'key' in entry && isLoginKey(entry.key) && entry.meta?.provider === provider,
	);
}

/** How many stored logins a message lists; `tokenkeeper sessions` lists them all. */
const LISTED_AT_MOST = 5;

/** No login for the query: exit 1, with the logins of this provider that are stored and the command that logs in. */
function noLogin(store: FileTokenStore, listed: readonly Listed[], query: LoginQuery): CliError {
	const where = query.named ? ` at ${providerUrl(query.named)}` : '';
	const scope = query.scope ? ` with scope "${query.scope}"` : '';
	const logins = loginsOf(listed, query.provider);
	const shown = logins.slice(0, LISTED_AT_MOST).map(({ meta }) => `${meta.clientId} (${query.flagsOf(meta)})`);
	const more = logins.length > LISTED_AT_MOST ? `, and ${logins.length - LISTED_AT_MOST} more (tokenkeeper sessions lists them)` : '';
	const stored =
		logins.length === 0
			? `No login of ${query.provider} is stored in ${store.dir}`
			: `Stored logins of ${query.provider}: ${shown.join(', ')}${more}`;
	const unreadable = listed.length - listed.filter((entry) => 'key' in entry).length;
	const damaged = unreadable === 0 ? '' : ` (${unreadable} session file(s) could not be read: \`tokenkeeper sessions\` names them)`;
	return new CliError(
		`No stored login for ${query.provider} client ${query.clientId}${where}${scope}. ${stored}${damaged}. To log in: \`${query.loginCommand}\``,
		ExitCode.Refused,
	);
}
