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
		const message = error.message.replace(/`([a-z][A-Za-z]*)`/g, (_match, name: string) => `--${toKebabCase(name)}`);
		throw new UsageError(message, command, { cause: error });
	}
}

function toKebabCase(name: string): string {
	return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
