import { UsageError } from './cli-error.js';
import type { CliContext } from './context.js';
import { printWarning } from './output.js';

/** Where one secret may come from, and how messages name it. */
export interface SecretSource {
	/** In messages: `client secret`, `password`. */
	readonly what: string;
	/** The environment variable, e.g. `TOKENKEEPER_CLIENT_SECRET`. */
	readonly env: string;
	/** The argv flag, e.g. `client-secret`; `--{flag}-stdin` reads it from stdin. */
	readonly flag: string;
}

/** What the command line said about one secret. */
export interface SecretFlags {
	/** The value of `--{flag}`, when given: works, with a warning. */
	readonly argv: string | undefined;
	/** `--{flag}-stdin` */
	readonly stdin: boolean | undefined;
}

export const CLIENT_SECRET: SecretSource = { what: 'client secret', env: 'TOKENKEEPER_CLIENT_SECRET', flag: 'client-secret' };
export const PASSWORD: SecretSource = { what: 'password', env: 'TOKENKEEPER_PASSWORD', flag: 'password' };

/** Whether the command line or the environment offers the secret, without reading it (stdin stays unread). */
export function offersSecret(context: CliContext, source: SecretSource, flags: SecretFlags): boolean {
	return flags.argv !== undefined || flags.stdin === true || (context.env[source.env] ?? '') !== '';
}

/** How to pass the secret, for messages: `set TOKENKEEPER_CLIENT_SECRET, or pipe it in with --client-secret-stdin`. */
export function howToPass(source: SecretSource): string {
	return `set ${source.env}, or pipe it in with --${source.flag}-stdin`;
}

/** A secret is a line, not a file: anything longer is a mistake, such as piping the wrong command. */
const MAX_STDIN_BYTES = 64 * 1024;

/**
 * Read one secret: from `--{flag}-stdin`, else the environment variable; from argv only when `--{flag}` is
 * given explicitly, and then with a warning. The secret is registered so stderr never shows it.
 */
export async function readSecret(context: CliContext, source: SecretSource, flags: SecretFlags, command: string): Promise<string> {
	const secret = await readFrom(context, source, flags, command);
	context.secrets.add(secret);
	return secret;
}

async function readFrom(context: CliContext, source: SecretSource, flags: SecretFlags, command: string): Promise<string> {
	if (flags.argv !== undefined && flags.stdin) {
		throw new UsageError(`Pass the ${source.what} with --${source.flag} or --${source.flag}-stdin, not both`, command);
	}
	if (flags.argv !== undefined) {
		if (flags.argv === '') throw new UsageError(`--${source.flag} is empty`, command);
		context.secrets.add(flags.argv);
		printWarning(
			context,
			`--${source.flag} puts the ${source.what} in argv, which other users of this machine can see (ps, /proc); ` +
				`prefer ${source.env} or --${source.flag}-stdin`,
		);
		return flags.argv;
	}
	if (flags.stdin) {
		const secret = await readStdin(context, source, command);
		if (secret === '') throw new UsageError(`--${source.flag}-stdin read nothing: no ${source.what} on stdin`, command);
		return secret;
	}
	const fromEnv = context.env[source.env];
	if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
	throw new UsageError(`No ${source.what}: ${howToPass(source)}`, command);
}

/** All of stdin, minus one trailing newline (what `echo` and here-strings add). */
async function readStdin(context: CliContext, source: SecretSource, command: string): Promise<string> {
	if (context.stdin.isTTY) {
		context.stderr.write(`tokenkeeper: reading the ${source.what} from stdin; end with Enter, then Ctrl-D\n`);
	}
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of context.stdin) {
		const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		size += buffer.length;
		if (size > MAX_STDIN_BYTES) {
			throw new UsageError(`--${source.flag}-stdin read more than ${MAX_STDIN_BYTES / 1024} KiB: that is not a ${source.what}`, command);
		}
		chunks.push(buffer);
	}
	return Buffer.concat(chunks)
		.toString('utf8')
		.replace(/\r?\n$/, '');
}
