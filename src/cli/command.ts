import type { OptionSpecs } from './args.js';
import type { CliContext } from './context.js';
import type { ExitCode } from './exit-codes.js';

/** One runnable command, such as `token squidex` or `emulate`. */
export interface Command {
	/** The words after `tokenkeeper`, e.g. `token squidex`. */
	readonly name: string;
	/** One line for the list of commands. */
	readonly summary: string;
	/** The full `--help` text. */
	readonly help: string;
	/** The options it takes; an error it prints names the library's options by these flags. */
	readonly options: OptionSpecs;
	/** Runs with the arguments after the command's name; throws for failures (see `exitCodeFor`). */
	run(args: readonly string[], context: CliContext): Promise<ExitCode>;
}

/** A word that only groups commands, such as `token` (`token squidex`, `token dotkernel`…). */
export interface CommandGroup {
	readonly name: string;
	readonly summary: string;
	readonly commands: readonly Command[];
}
