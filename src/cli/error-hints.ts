import { ErrorCode, type TokenkeeperError } from '../index.js';
import { toFlagNames } from './args.js';
import type { SentRequest } from './request-log.js';

/** What the CLI knows of the run an error ended, beyond the error itself. */
export interface RunFacts {
	/** The flags of the command that ran (`client-auth`, `timeout`…); empty before a command was found. */
	readonly flags: ReadonlySet<string>;
	/** The last request the run sent. */
	readonly lastRequest: SentRequest | undefined;
}

/** The errors of a request to an authorization server: naming where it went is the first step of fixing them. */
const REQUEST_ERRORS: ReadonlySet<string> = new Set([
	ErrorCode.OAuth,
	ErrorCode.TokenResponse,
	ErrorCode.UnsupportedTokenType,
	ErrorCode.Network,
	ErrorCode.Timeout,
]);

/**
 * A library error's message as the CLI prints it: options named as the command's flags, a hint when https met a server
 * that does not speak TLS (or the reverse), and the request it ended, with its full URL (the library names the host
 * only).
 */
export function explainError(error: TokenkeeperError, run: RunFacts): string {
	const parts = [toFlagNames(error.message, run.flags)];
	if (error.code === ErrorCode.Network) parts.push(tlsMismatchHint(error, run.lastRequest) ?? '');
	if (REQUEST_ERRORS.has(error.code) && run.lastRequest) parts.push(`(request: ${run.lastRequest.method} ${run.lastRequest.url})`);
	return parts.filter(Boolean).join(' ');
}

/** OpenSSL's words for a TLS record that is not one: the server answered in plain text (HTTP). */
const NOT_TLS_CODES = ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG'];
const NOT_TLS_MESSAGE = /wrong version number|packet length too long/i;

/**
 * Whether the network failure looks like a TLS mismatch, found in the error's cause chain: an https URL whose server
 * answered in plain text (certain: the TLS handshake read HTTP), or an http URL whose server closed the connection
 * without a byte of answer (what a TLS-only server does with plain HTTP, though not only it: a hint, worded as one).
 */
export function tlsMismatchHint(error: unknown, lastRequest: SentRequest | undefined): string | undefined {
	const causes = causeChain(error);
	if (causes.some(({ code, message }) => NOT_TLS_CODES.includes(code) || NOT_TLS_MESSAGE.test(message))) {
		return 'The server did not answer TLS: is the URL http, not https?';
	}
	const closed = causes.some(({ code, message }) => code === 'UND_ERR_SOCKET' && /other side closed/i.test(message));
	if (closed && lastRequest?.url.startsWith('http:')) {
		return 'The server closed the connection without an answer: if it speaks only TLS, the URL needs https, not http.';
	}
	return undefined;
}

/** The error and its causes, as code and message; bounded, since a cause chain can be circular. */
function causeChain(error: unknown): Array<{ readonly code: string; readonly message: string }> {
	const chain: Array<{ code: string; message: string }> = [];
	let current: unknown = error;
	for (let depth = 0; current instanceof Error && depth < 8; depth += 1) {
		const code = (current as { code?: unknown }).code;
		chain.push({ code: typeof code === 'string' ? code : '', message: current.message });
		current = current.cause;
	}
	return chain;
}
