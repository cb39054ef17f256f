import { ErrorCode, isTokenkeeperError } from '../index.js';

/** The CLI's exit codes: stable, documented in `--help` and docs/scripts-and-cli.md. */
export const ExitCode = {
	Ok: 0,
	/**
	 * The server refused: an OAuth error, a broken token response, a login that did not complete; or no stored login
	 * for `token sqowey`, `token oauth2 --session` or `logout` (its message lists the stored ones).
	 */
	Refused: 1,
	/** Bad or missing arguments, no secret to send, or several stored logins that the flags do not choose between. */
	Usage: 2,
	/** The server could not be reached or did not answer in time (or `emulate` could not listen). */
	Network: 3,
	/** The sessions on disk could not be read or written (permissions, a damaged file, a full disk). */
	Store: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One line for every `--help`. */
export const EXIT_CODES_HELP =
	'Exit codes: 0 ok, 1 the server refused or a login is needed, 2 usage error, 3 network, 4 the sessions on disk.';

/** The exit code an error ends the process with. */
export function exitCodeFor(error: unknown): ExitCode {
	if (typeof error === 'object' && error !== null && 'exitCode' in error) {
		return (error as { exitCode: ExitCode }).exitCode;
	}
	if (isTokenkeeperError(error) && (error.code === ErrorCode.Network || error.code === ErrorCode.Timeout)) {
		return ExitCode.Network;
	}
	if (isTokenkeeperError(error) && error.code === ErrorCode.Store) return ExitCode.Store;
	// Every other failure, typed or not, means no token: scripts only need to tell usage and network apart.
	return ExitCode.Refused;
}
