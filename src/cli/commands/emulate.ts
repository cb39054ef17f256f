import { createEmulator, type CreateEmulatorOptions, type Emulator } from '../../testing/emulator/server.js';
import { COMMON_OPTIONS, integerOption, parseCommandArgs, type OptionSpecs } from '../args.js';
import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';

const NAME = 'emulate';
const DEFAULT_PORT = 7357;

const OPTIONS = {
	...COMMON_OPTIONS,
	port: { type: 'string' },
	providers: { type: 'string' },
	json: { type: 'boolean' },
} as const satisfies OptionSpecs;

/** `tokenkeeper emulate`: the provider emulator in the foreground, until Ctrl-C or SIGTERM. */
export const emulate: Command = {
	name: NAME,
	summary: 'run the local provider emulator (demo credentials, no account needed)',
	help: `\
Usage: tokenkeeper emulate [--port <n>] [--providers squidex,dotkernel,sqowey] [--json]

Runs the provider emulator on 127.0.0.1 in the foreground: the providers' token endpoints and protected
APIs, with demo credentials. Prints its base URL and the credentials; stops on Ctrl-C or SIGTERM.

Options:
  --port <n>                the port (default ${DEFAULT_PORT}; 0 picks a free one)
  --providers <list>        comma-separated providers to serve (default: all)
  --json                    print the URL and credentials as one line of JSON
  --verbose                 print stack traces with errors
  -h, --help                show this help

Examples:
  tokenkeeper emulate
  tokenkeeper emulate --port 0 --providers squidex,sqowey --json

${EXIT_CODES_HELP} (3: the port could not be opened)`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const port = integerOption(values.port, 'port', NAME, 65_535) ?? DEFAULT_PORT;
		const providers = values.providers
			?.split(',')
			.map((name) => name.trim())
			.filter(Boolean);
		if (providers?.length === 0) throw new UsageError('--providers is empty', NAME);
		const emulator = await start(port, providers);
		const shutdown = context.waitForShutdown();
		printEmulator(context, emulator, providers, values.json === true);
		const signal = await shutdown;
		await emulator.close();
		context.stderr.write(`tokenkeeper: emulator stopped (${signal})\n`);
		return ExitCode.Ok;
	},
};

async function start(port: number, providers: string[] | undefined): Promise<Emulator> {
	try {
		// The names are checked by the emulator itself, so a provider it gains needs no change here.
		return await createEmulator({ port, providers: providers as CreateEmulatorOptions['providers'] });
	} catch (error) {
		if (error instanceof TypeError) throw new UsageError(error.message.replace('`providers`', '--providers'), NAME, { cause: error });
		const code = (error as { code?: string }).code;
		if (code === 'EADDRINUSE' || code === 'EACCES') {
			const why = code === 'EADDRINUSE' ? 'is in use' : 'needs privileges';
			throw new CliError(`Port ${port} ${why}: pass --port with another number, or --port 0 for a free one`, ExitCode.Network, {
				cause: error,
			});
		}
		throw error;
	}
}

function printEmulator(context: CliContext, emulator: Emulator, providers: readonly string[] | undefined, json: boolean): void {
	const served = Object.entries(emulator.credentials).filter(([name]) => providers === undefined || providers.includes(name));
	if (json) {
		context.stdout.write(`${JSON.stringify({ url: emulator.url, credentials: Object.fromEntries(served) })}\n`);
		return;
	}
	const lines = [`Emulator running at ${emulator.url} (Ctrl-C to stop). Demo credentials:`];
	for (const [name, credentials] of served) {
		lines.push('', `  ${name}`);
		for (const [field, value] of Object.entries(credentials as Record<string, string>)) {
			lines.push(`    ${field.padEnd(15)} ${value}`);
		}
		const example = tryCommand(name, credentials as Record<string, string>);
		if (example) lines.push(`    ${'try'.padEnd(15)} ${example}`);
	}
	context.stdout.write(`${lines.join('\n')}\n`);
}

/** A command that works against the running emulator, for the providers the CLI knows. */
function tryCommand(name: string, c: Record<string, string>): string | undefined {
	switch (name) {
		case 'squidex':
			return `TOKENKEEPER_CLIENT_SECRET=${c.clientSecret} tokenkeeper token squidex --url ${c.url} --client-id ${c.clientId}`;
		case 'dotkernel':
			return (
				`TOKENKEEPER_CLIENT_SECRET=${c.clientSecret} TOKENKEEPER_PASSWORD=${c.password} ` +
				`tokenkeeper token dotkernel --url ${c.url} --client-id ${c.clientId} --username ${c.username}`
			);
		case 'sqowey':
			return `tokenkeeper login sqowey --url ${c.url} --client-id ${c.clientId}`;
		case 'oauth2':
			return `TOKENKEEPER_CLIENT_SECRET=${c.clientSecret} tokenkeeper token oauth2 --issuer ${c.issuer} --client-id ${c.clientId}`;
		default:
			return undefined;
	}
}
