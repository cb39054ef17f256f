import { ExitCode } from './exit-codes.js';

/** A failure the CLI itself detected, with the exit code it ends with. Its message is shown as is. */
export class CliError extends Error {
	override readonly name: string = 'CliError';
	readonly exitCode: ExitCode;

	constructor(message: string, exitCode: ExitCode, options: { cause?: unknown } = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.exitCode = exitCode;
	}
}

/** Bad or missing arguments, or a missing secret: exit code 2, with a pointer to the command's `--help`. */
export class UsageError extends CliError {
	override readonly name: string = 'UsageError';
	/** The command whose help explains the fix, e.g. `token squidex`; empty for the top level. */
	readonly command: string;

	constructor(message: string, command: string, options: { cause?: unknown } = {}) {
		super(message, ExitCode.Usage, options);
		this.command = command;
	}
}
