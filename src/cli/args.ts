import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error.js';

/** The option specs of one command, as `node:util` `parseArgs` takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
	verbose: { type: 'boolean' },
	help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

/** True when the arguments ask for help; checked before parsing, so `--help` works next to a typo. */
export function wantsHelp(args: readonly string[]): boolean {
	const end = args.indexOf('--');
	return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Parse one command's arguments strictly. Errors become a {@link UsageError} of one line; an unexpected
 * argument is not echoed, since it may be a secret typed in the wrong place.
 */
export function parseCommandArgs<const O extends OptionSpecs>(args: readonly string[], options: O, command: string) {
	try {
		return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
	} catch (error) {
		const code = (error as { code?: string }).code;
		if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
			throw new UsageError('Unexpected argument (not shown: it may be a secret); every value needs its --option', command);
		}
		if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
			const firstLine = (error as Error).message.split('\n')[0] ?? 'Invalid arguments';
			throw new UsageError(firstLine, command);
		}
		throw error;
	}
}

/** A required string option, or a {@link UsageError} naming it. */
export function requireOption(value: string | undefined, flag: string, command: string): string {
	if (value === undefined || value === '') throw new UsageError(`Missing --${flag}`, command);
	return value;
}

/** A non-negative integer option, or a {@link UsageError} naming it. */
export function integerOption(value: string | undefined, flag: string, command: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
	if (value === undefined) return undefined;
	const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
	if (!Number.isSafeInteger(number) || number > max) {
		throw new UsageError(`Expected --${flag} to be a whole number from 0 to ${max}, got "${value}"`, command);
	}
	return number;
}

/**
 * Run `build` (a provider factory) and turn its TypeError into a usage error that names the flag:
 * `Expected \`clientId\` …` becomes `Expected --client-id …`.
 */
export function withFlagNames<T>(build: () => T, command: string): T {
	try {
		return build();
	} catch (error) {
		if (!(error instanceof TypeError)) throw error;
		const message = error.message.replace(/`([a-z][A-Za-z]*)`/g, (_match, name: string) => `--${flagOf(name)}`);
		throw new UsageError(message, command, { cause: error });
	}
}

/**
 * A library message for a person at the command line: each option it names in backticks (clientAuth) becomes the
 * flag of the command that ran (--client-auth). A clause "and <option>" naming an option the command has no flag for
 * (clientAuth in `token dotkernel`, whose preset fixes how the client authenticates) is advice nobody can follow
 * there: it is dropped. Any other option name stays as it is.
 */
export function toFlagNames(message: string, flags: ReadonlySet<string>): string {
	return message
		.replace(/,? and `([a-z][A-Za-z]*)`/g, (clause, name: string) => (flags.has(flagOf(name)) ? clause : ''))
		.replace(/`([a-z][A-Za-z]*)`/g, (quoted, name: string) => (flags.has(flagOf(name)) ? `--${flagOf(name)}` : quoted));
}

/** The flag of a library option: `clientAuth` -> `client-auth`, `retry` -> `retries`. */
function flagOf(name: string): string {
	return name === 'retry' ? 'retries' : name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
