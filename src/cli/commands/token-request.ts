import { createTokenManager, type Provider } from '../../index.js';
import { COMMON_OPTIONS, integerOption, type OptionSpecs } from '../args.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printTokenSet } from '../output.js';

/** Options every `token` command takes. */
export const TOKEN_OPTIONS = {
	...COMMON_OPTIONS,
	'client-id': { type: 'string' },
	scope: { type: 'string', multiple: true },
	'client-secret-stdin': { type: 'boolean' },
	'client-secret': { type: 'string' },
	json: { type: 'boolean' },
	timeout: { type: 'string' },
	retries: { type: 'string' },
} as const satisfies OptionSpecs;

/** The `--help` lines of {@link TOKEN_OPTIONS} after the command's own. */
export const TOKEN_OPTIONS_HELP = `\
  --client-secret-stdin     read the client secret from stdin (one trailing newline is trimmed)
  --client-secret <secret>  the client secret in argv: other users can see it (ps); prints a warning
  --json                    print the whole token set as JSON, tokens included
  --timeout <ms>            timeout of each attempt (default 10000)
  --retries <n>             retries after network failures, timeouts, 5xx and 429 (default 3)
  --verbose                 print stack traces with errors (never a secret)
  -h, --help                show this help`;

/** `--scope a --scope "b c"` -> `a b c`; `undefined` keeps the provider's default. */
export function scopeOption(values: readonly string[] | undefined): string | undefined {
	const scopes = (values ?? []).flatMap((value) => value.split(/\s+/)).filter(Boolean);
	return scopes.length === 0 ? undefined : scopes.join(' ');
}

/** How a `token` command requests and prints, validated before any secret is read. */
export interface TokenRequestOptions {
	readonly json: boolean;
	readonly timeout: number | undefined;
	readonly retries: number | undefined;
}

/** Read `--json`, `--timeout` and `--retries`; a bad number is a usage error. */
export function tokenRequestOptions(
	values: { readonly json?: boolean | undefined; readonly timeout?: string | undefined; readonly retries?: string | undefined },
	command: string,
): TokenRequestOptions {
	return {
		json: values.json === true,
		timeout: integerOption(values.timeout, 'timeout', command, 2 ** 31 - 1),
		retries: integerOption(values.retries, 'retries', command, 100),
	};
}

/** Get one token set from `provider` and print it (the access token, or the whole set with `--json`). */
export async function printToken(context: CliContext, provider: Provider, options: TokenRequestOptions): Promise<ExitCode> {
	const tokens = createTokenManager(provider, { timeout: options.timeout, retry: options.retries });
	printTokenSet(context.stdout, await tokens.getToken(), options.json);
	return ExitCode.Ok;
}
