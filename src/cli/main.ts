import { readFileSync } from 'node:fs';
import { wantsHelp } from './args.js';
import { UsageError } from './cli-error.js';
import type { Command, CommandGroup } from './command.js';
import { COMMANDS } from './commands/index.js';
import type { CliContext } from './context.js';
import { EXIT_CODES_HELP, ExitCode, exitCodeFor } from './exit-codes.js';
import { printError } from './output.js';

/** Runs `tokenkeeper …` and resolves with the exit code; never throws. */
export async function main(context: CliContext): Promise<ExitCode> {
	let command: Command | undefined;
	try {
		const target = resolve(context.argv);
		if ('help' in target) return printHelp(context, target.help);
		command = target.command;
		return await command.run(target.args, context);
	} catch (error) {
		printError(context, error, context.argv.includes('--verbose'), new Set(Object.keys(command?.options ?? {})));
		return exitCodeFor(error);
	}
}

/** What the words of `argv` ask for: a command to run with the rest, or a help text to print. */
function resolve(argv: readonly string[]): { readonly command: Command; readonly args: readonly string[] } | { readonly help: string } {
	const [word, ...rest] = argv;
	if (word === undefined) throw new UsageError('Missing a command', '');
	if (word === '--help' || word === '-h') return { help: mainHelp() };
	if (word === 'help') return resolve([...rest, '--help']);
	if (word === '--version' || word === '-V') return { help: version() };
	const entry = COMMANDS.find((candidate) => candidate.name === word);
	if (!entry) throw new UsageError(`Unknown command "${word}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`, '');
	if (!isGroup(entry)) return commandOrHelp(entry, rest);

	const [subword, ...args] = rest;
	if (subword === undefined) throw new UsageError(`Missing what to do after "${entry.name}"`, entry.name);
	if (subword === '--help' || subword === '-h') return { help: groupHelp(entry) };
	const command = entry.commands.find((candidate) => candidate.name === `${entry.name} ${subword}`);
	if (!command) {
		const names = entry.commands.map((candidate) => candidate.name.slice(entry.name.length + 1)).join(', ');
		throw new UsageError(`Unknown "${entry.name} ${subword}"; choose one of ${names}`, entry.name);
	}
	return commandOrHelp(command, args);
}

function commandOrHelp(command: Command, args: readonly string[]) {
	return wantsHelp(args) ? { help: command.help } : { command, args };
}

function isGroup(entry: Command | CommandGroup): entry is CommandGroup {
	return 'commands' in entry;
}

function printHelp(context: CliContext, text: string): ExitCode {
	context.stdout.write(`${text}\n`);
	return ExitCode.Ok;
}

function mainHelp(): string {
	const rows = COMMANDS.flatMap((entry) => (isGroup(entry) ? entry.commands : [entry]));
	const width = Math.max(...rows.map((row) => row.name.length)) + 2;
	return `\
Usage: tokenkeeper <command> [options]

OAuth2 tokens for scripts, and a local provider emulator.

Commands:
${rows.map((row) => `  ${row.name.padEnd(width)}${row.summary}`).join('\n')}

Secrets come from environment variables (TOKENKEEPER_CLIENT_SECRET, TOKENKEEPER_PASSWORD) or stdin,
never from argv unless you pass --client-secret / --password yourself.

Run \`tokenkeeper <command> --help\` for a command's options. \`tokenkeeper --version\` prints the version.

${EXIT_CODES_HELP}`;
}

function groupHelp(group: CommandGroup): string {
	const width = Math.max(...group.commands.map((command) => command.name.length)) + 2;
	return `\
Usage: tokenkeeper ${group.name} <${group.commands.map((command) => command.name.slice(group.name.length + 1)).join('|')}> [options]

${group.commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`).join('\n')}

Run \`tokenkeeper ${group.name} <name> --help\` for its options.

${EXIT_CODES_HELP}`;
}

function version(): string {
	try {
		// dist/cli.js -> the package's own package.json.
		const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
		return manifest.version ?? 'unknown';
	} catch {
		return 'unknown';
	}
}
