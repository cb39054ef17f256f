import { isTokenkeeperError } from '../index.js';
import { toTokenSetRecord } from '../token-set.js';
import type { TokenSet } from '../token-set.js';
import { CliError, UsageError } from './cli-error.js';
import type { CliContext, TextSink } from './context.js';
import { redact } from '../endpoint/index.js';
import { explainError, type RunFacts } from './error-hints.js';
import { oneLine, safeLines } from './terminal-text.js';

/** How a token is printed: the access token alone, an `Authorization` header line (`curl -H @-`), or the whole set. */
export type TokenFormat = 'token' | 'header' | 'json';

/**
 * The token for a script: the access token and one newline, `Authorization: Bearer <token>` with `header`, or with
 * `json` the whole set, tokens included (the user asked for them). `expiresAt` is epoch ms, as in the SDK.
 */
export function printTokenSet(stdout: TextSink, tokenSet: TokenSet, format: TokenFormat): void {
	if (format === 'token') {
		stdout.write(`${tokenSet.accessToken}\n`);
		return;
	}
	if (format === 'header') {
		stdout.write(`Authorization: ${tokenSet.tokenType} ${tokenSet.accessToken}\n`);
		return;
	}
	// The token set's own fields: not a session entry's other tokens (`targets`) nor its ID token's checked claims.
	const { receivedAt: _receivedAt, targets: _targets, claims: _claims, ...record } = toTokenSetRecord(tokenSet);
	// JSON.stringify drops the fields that are undefined (no refresh token, no scope…).
	stdout.write(`${JSON.stringify(record, null, 2)}\n`);
}

/** A warning on stderr, one line, redacted. */
export function printWarning(context: CliContext, message: string): void {
	context.stderr.write(`tokenkeeper: warning: ${oneLine(redact(message, context.secrets))}\n`);
}

/**
 * An error as one line on stderr: the typed error's code and message (with the command's flags for the options it
 * names, and the URL of the request it ended), never a secret. With `verbose`, the stack and every cause follow,
 * still redacted.
 */
export function printError(context: CliContext, error: unknown, verbose: boolean, flags: ReadonlySet<string> = new Set()): void {
	const run = { flags, lastRequest: context.requests.last() };
	context.stderr.write(`${oneLine(redact(errorLine(error, run), context.secrets))}\n`);
	if (verbose) context.stderr.write(`${safeLines(redact(errorDetails(error), context.secrets))}\n`);
}

function errorLine(error: unknown, run: RunFacts): string {
	if (error instanceof UsageError) {
		const help = ['tokenkeeper', error.command, '--help'].filter(Boolean).join(' ');
		return `tokenkeeper: ${error.message} (see \`${help}\`)`;
	}
	if (isTokenkeeperError(error)) return `tokenkeeper: ${error.code}: ${explainError(error, run)}`;
	if (error instanceof CliError) return `tokenkeeper: ${error.message}`;
	const message = error instanceof Error ? error.message : String(error);
	return `tokenkeeper: unexpected error: ${message} (run again with --verbose for details)`;
}

function errorDetails(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	// Bounded: a cause chain can be circular.
	for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
		const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
		parts.push(depth === 0 ? text : `Caused by: ${text}`);
		current = current instanceof Error ? current.cause : undefined;
	}
	return parts.join('\n');
}
