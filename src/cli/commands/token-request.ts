import { createMemoryStore, createTokenManager, isStoreError, type Provider, type StoreError, type TokenSet } from '../../index.js';
import type { FileTokenStore, SessionDpopKey } from '../../file.js';
import { createSessionStore } from '../../session-store.js';
import { exportSessionKey, importSessionKey, newSessionKeyPair } from '../dpop-keys.js';
import { COMMON_OPTIONS, integerOption, type OptionSpecs } from '../args.js';
import { UsageError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printTokenSet, printWarning, type TokenFormat } from '../output.js';
import { describeSession, hashSecrets, openSessionStore, providerUrl, secretsMatch, sessionKey, sessionScope } from '../sessions.js';

/** Options every `token` command takes. */
export const TOKEN_OPTIONS = {
	...COMMON_OPTIONS,
	'client-id': { type: 'string' },
	scope: { type: 'string', multiple: true },
	'client-secret-stdin': { type: 'boolean' },
	'client-secret': { type: 'string' },
	json: { type: 'boolean' },
	header: { type: 'boolean' },
	'no-cache': { type: 'boolean' },
	timeout: { type: 'string' },
	retries: { type: 'string' },
} as const satisfies OptionSpecs;

/** The `--help` lines of the output options, shared with the commands that print a stored session's token. */
export const OUTPUT_OPTIONS_HELP = `\
  --json                    print the whole token set as JSON, tokens included
  --header                  print "Authorization: Bearer <token>", for curl -H @-`;

/** The `--help` lines of {@link TOKEN_OPTIONS} after the command's own. */
export const TOKEN_OPTIONS_HELP = `\
  --client-secret-stdin     read the client secret from stdin (one trailing newline is trimmed)
  --client-secret <secret>  the client secret in argv: other users can see it (ps); prints a warning
${OUTPUT_OPTIONS_HELP}
  --no-cache                ask the server even when a fresh token from an earlier run is on disk
  --timeout <ms>            timeout of each attempt (default 10000)
  --retries <n>             retries after network failures, timeouts, 5xx and 429 (default 3)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help

A fresh token is reused across runs: it is kept in the sessions directory ($TOKENKEEPER_HOME, else
$XDG_CONFIG_HOME/tokenkeeper, else ~/.config/tokenkeeper) with a salted slow hash of the secrets it was
obtained with (never the secrets). A run with other secrets asks the server again, and replaces the cached
token only once they got one.`;

/** `--scope b --scope "a b"` -> `a b` (see {@link sessionScope}); `undefined` keeps the provider's default. */
export function scopeOption(values: readonly string[] | undefined): string | undefined {
	return sessionScope((values ?? []).join(' '));
}

/** `--client-auth basic|body`: how the client secret is sent; `undefined` keeps the preset's default. */
export function clientAuthOption(value: string | undefined, command: string): 'basic' | 'body' | undefined {
	if (value === undefined || value === 'basic' || value === 'body') return value;
	throw new UsageError(`Expected --client-auth to be basic or body, got "${value}"`, command);
}

/** `--json` or `--header` or neither. */
export function tokenFormat(
	values: { readonly json?: boolean | undefined; readonly header?: boolean | undefined },
	command: string,
): TokenFormat {
	if (values.json && values.header) throw new UsageError('Pass --json or --header, not both', command);
	return values.json ? 'json' : values.header ? 'header' : 'token';
}

/** How a `token` command requests and prints, validated before any secret is read. */
export interface TokenRequestOptions {
	readonly format: TokenFormat;
	readonly cache: boolean;
	readonly timeout: number | undefined;
	readonly retries: number | undefined;
	/** DPoP-bound tokens (`--dpop`, where the command has it): a key made and cached with the token. */
	readonly dpop?: boolean | undefined;
	/**
	 * The API the token is for (`--resource`, where the command has it): a token of its own, cached in the same session
	 * beside the others. `undefined`: the session's default token.
	 */
	readonly resource?: string | undefined;
}

/** Read `--json`, `--header`, `--no-cache`, `--timeout` and `--retries`; a bad number is a usage error. */
export function tokenRequestOptions(
	values: {
		readonly json?: boolean | undefined;
		readonly header?: boolean | undefined;
		readonly 'no-cache'?: boolean | undefined;
		readonly timeout?: string | undefined;
		readonly retries?: string | undefined;
	},
	command: string,
): TokenRequestOptions {
	return {
		format: tokenFormat(values, command),
		cache: values['no-cache'] !== true,
		timeout: integerOption(values.timeout, 'timeout', command, 2 ** 31 - 1),
		retries: integerOption(values.retries, 'retries', command, 100),
	};
}

/**
 * Get one token set from `provider` and print it. With the cache (the default), a fresh token an earlier run kept
 * is printed without a request, but only to a caller who presents the same `secrets`: a mistyped or rotated secret
 * fails now, not when the cached token expires, and costs the cached session nothing. A cache that cannot be used
 * costs a warning, never the token.
 */
export async function printToken(
	context: CliContext,
	provider: Provider,
	options: TokenRequestOptions,
	secrets: readonly string[],
): Promise<ExitCode> {
	const transport = { timeout: options.timeout, retry: options.retries, fetch: context.requests.fetch };
	const dpop = options.dpop === true;
	const target = { resource: options.resource };
	let tokenSet = options.cache ? await cachedToken(context, { provider, transport, secrets, dpop, target }) : undefined;
	tokenSet ??= await createTokenManager(provider, { ...transport, dpop: dpop ? true : undefined }).getToken(target);
	if (dpop) warnIfNotDpop(context, tokenSet);
	printTokenSet(context.stdout, tokenSet, options.format);
	return ExitCode.Ok;
}

/**
 * `--dpop` asked for a token bound to a key, and a server that does not do DPoP answers with a Bearer token, which the
 * manager uses as such (its `dpop-downgrade` event, RFC 9449 7.1). Checked on the token printed, not on the event: a
 * cached token of such a server is no more bound than the one first issued.
 */
export function warnIfNotDpop(context: CliContext, tokenSet: TokenSet): void {
	if (tokenSet.tokenType === 'DPoP') return;
	printWarning(
		context,
		`--dpop was given, but the server issued a ${tokenSet.tokenType} token, bound to no key (it does not support DPoP for this client): ` +
			'anyone who holds it can use it',
	);
}

/** What a cached token is asked for with. */
interface CacheRequest {
	readonly provider: Provider;
	readonly transport: { readonly timeout: number | undefined; readonly retry: number | undefined; readonly fetch: typeof fetch };
	readonly secrets: readonly string[];
	readonly dpop: boolean;
	/** Which of the session's tokens: the default one, or the one for `resource`. */
	readonly target: { readonly resource: string | undefined };
}

/** The session a `token` command caches, on disk. */
interface CachedSession extends CacheRequest {
	readonly store: FileTokenStore;
	readonly key: string;
}

/**
 * The cached token for these secrets: the session's, when it was made with them (refreshed or asked again through its
 * manager when it expired); else a new one, which replaces the session only once it is got. `undefined`, with a
 * warning, when the cache cannot be used.
 */
async function cachedToken(context: CliContext, request: CacheRequest): Promise<TokenSet | undefined> {
	// A DPoP-bound token is cached apart from a Bearer one, with the key it is bound to.
	const key = request.dpop ? `${sessionKey(request.provider)}|dpop` : sessionKey(request.provider);
	const session: CachedSession = { ...request, store: openSessionStore(context), key };
	const warn = (error: StoreError) =>
		printWarning(context, `${error.message} The token is not cached (pass --no-cache to skip the cache).`);
	try {
		// Last: the session another run with these secrets made while this one waited for the lock.
		return (await sessionToken(session)) ?? (await replaceSession(session, warn)) ?? (await sessionToken(session));
	} catch (error) {
		if (!isStoreError(error)) throw error;
		warn(error);
		return undefined;
	}
}

/**
 * The stored session, when it was made with these secrets: with DPoP, the key its tokens are bound to (a DPoP
 * session without its key is of no use); `undefined` when it is another's, or there is none.
 */
async function sessionOf(session: CachedSession): Promise<{ readonly dpopKey: SessionDpopKey | undefined } | undefined> {
	const { store, key } = session;
	if (!(await secretsMatch(session.secrets, (await store.getMeta(key))?.secretHash))) return undefined;
	const dpopKey = session.dpop ? await store.getDpopKey(key) : undefined;
	return session.dpop && dpopKey === undefined ? undefined : { dpopKey };
}

/** The stored session's token, through a manager on it; `undefined` when the session is not of these secrets. */
async function sessionToken(session: CachedSession): Promise<TokenSet | undefined> {
	const found = await sessionOf(session);
	if (found === undefined) return undefined;
	// No refresh-ahead: a script's run ends when it has printed, with no request left behind it.
	const manager = createTokenManager(session.provider, {
		...session.transport,
		store: session.store,
		key: session.key,
		refreshAhead: 0,
		storeFailure: 'fail',
		dpop: found.dpopKey && { keyPair: await importSessionKey(found.dpopKey) },
	});
	// A token for an API is asked for once and then kept in the session's entry beside the others (the manager merges it).
	return manager.getToken(session.target);
}

/**
 * The stored session is not of these secrets (other ones, or none): ask with them, away from the store, and only once
 * they got a token replace the session, in one write (tokens, the secrets' hash and, with DPoP, the key the tokens
 * are bound to). The session then holds this token only: of the default target, or of `--resource`'s API, which its
 * entry names. A mistyped secret fails here and leaves the right one's session as it was. Under the session's lock,
 * so that runs with the same new secrets make one request: `undefined` when another of them replaced the session while
 * this one waited. A failed write costs a warning, never the token.
 */
async function replaceSession(session: CachedSession, warn: (error: StoreError) => void): Promise<TokenSet | undefined> {
	const { store, key, provider } = session;
	return createSessionStore(store, key).locked(async () => {
		if ((await sessionOf(session)) !== undefined) return undefined;
		const keyPair = session.dpop ? await newSessionKeyPair() : undefined;
		// A store of this run only: the manager builds the session's entry there as it would in the file (a token for an
		// API is an entry that names its target), and the entry is then written whole.
		const away = createMemoryStore();
		const manager = createTokenManager(provider, { ...session.transport, store: away, key, refreshAhead: 0, dpop: keyPair && { keyPair } });
		const tokenSet = await manager.getToken(session.target);
		try {
			const meta = { ...describeSession(provider, providerUrl(provider)), secretHash: await hashSecrets(session.secrets) };
			const dpopKey = keyPair && (await exportSessionKey(keyPair));
			const entry = await away.get(key);
			if (entry) await store.set(key, entry, { meta, dpopKey });
		} catch (error) {
			if (!isStoreError(error)) throw error;
			warn(error);
		}
		return tokenSet;
	}, {});
}
