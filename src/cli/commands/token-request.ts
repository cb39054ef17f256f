import { createTokenManager, isStoreError, type Provider } from '../../index.js';
import { exportSessionKey, importSessionKey, newSessionKeyPair } from '../dpop-keys.js';
import { COMMON_OPTIONS, integerOption, type OptionSpecs } from '../args.js';
import { UsageError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printTokenSet, printWarning, type TokenFormat } from '../output.js';
import { describeSession, hashSecrets, openSessionStore, providerUrl, secretsMatch, sessionKey } from '../sessions.js';

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
obtained with (never the secrets). A run with other secrets asks the server again.`;

/** `--scope a --scope "b c"` -> `a b c`; `undefined` keeps the provider's default. */
export function scopeOption(values: readonly string[] | undefined): string | undefined {
	const scopes = (values ?? []).flatMap((value) => value.split(/\s+/)).filter(Boolean);
	return scopes.length === 0 ? undefined : scopes.join(' ');
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
 * fails now, not when the cached token expires. A cache that cannot be used costs a warning, never the token.
 */
export async function printToken(
	context: CliContext,
	provider: Provider,
	options: TokenRequestOptions,
	secrets: readonly string[],
): Promise<ExitCode> {
	const transport = { timeout: options.timeout, retry: options.retries };
	let tokenSet = options.cache ? await cachedToken(context, provider, transport, secrets, options.dpop === true) : undefined;
	tokenSet ??= await createTokenManager(provider, { ...transport, dpop: options.dpop ? true : undefined }).getToken();
	printTokenSet(context.stdout, tokenSet, options.format);
	return ExitCode.Ok;
}

async function cachedToken(context: CliContext, provider: Provider, transport: object, secrets: readonly string[], dpop: boolean) {
	const store = openSessionStore(context);
	// A DPoP-bound token is cached apart from a Bearer one, with the key it is bound to.
	const key = dpop ? `${sessionKey(provider)}|dpop` : sessionKey(provider);
	try {
		const same = await secretsMatch(secrets, (await store.getMeta(key))?.secretHash);
		if (!same) await store.delete(key);
		const stored = dpop ? await store.getDpopKey(key) : undefined;
		const keyPair = stored ? await importSessionKey(stored) : dpop ? await newSessionKeyPair() : undefined;
		// No refresh-ahead: a script's run ends when it has printed, with no request left behind it.
		const manager = createTokenManager(provider, {
			...transport,
			store,
			key,
			refreshAhead: 0,
			storeFailure: 'fail',
			dpop: keyPair && { keyPair },
		});
		const tokenSet = await manager.getToken();
		if (!same) await store.setMeta(key, { ...describeSession(provider, providerUrl(provider)), secretHash: await hashSecrets(secrets) });
		if (keyPair && !stored) await store.setDpopKey(key, await exportSessionKey(keyPair));
		return tokenSet;
	} catch (error) {
		if (!isStoreError(error)) throw error;
		printWarning(context, `${error.message} The token is not cached (pass --no-cache to skip the cache).`);
		return undefined;
	}
}
