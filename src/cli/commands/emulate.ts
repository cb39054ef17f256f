import type { EmulatorDpopOptions } from '../../testing/dpop/options.js';
import { PROVIDER_NAMES } from '../../testing/emulator/options.js';
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
	dpop: { type: 'boolean' },
	'dpop-nonce': { type: 'string' },
	json: { type: 'boolean' },
} as const satisfies OptionSpecs;

const DPOP_NONCES = ['off', 'required', 'rotate'] as const;

/** `tokenkeeper emulate`: the provider emulator in the foreground, until Ctrl-C or SIGTERM. */
export const emulate: Command = {
	name: NAME,
	options: OPTIONS,
	summary: 'run the local provider emulator (demo credentials, no account needed)',
	help: `\
Usage: tokenkeeper emulate [--port <n>] [--providers ${PROVIDER_NAMES.join(',')}] [--dpop] [--json]

Runs the provider emulator on 127.0.0.1 in the foreground: the providers' token endpoints and protected
APIs, with demo credentials. Prints its base URL and the credentials; stops on Ctrl-C or SIGTERM.
  squidex     client credentials (/identity-server/connect/token); its API under /api/
  dotkernel   password grant, rotating refresh tokens (/security/…); /user/my-account, 403 when expired
  sqowey      browser login with PKCE, rotating refresh tokens, revocation (/oauth2/…); /api/users/@me
  oauth2      any OAuth2 / OpenID server, issuer = the base URL (discovery): client credentials,
              browser and device logins, revocation, userinfo; with scope openid, signed ID tokens
              (JWKS at /oauth2/v1/jwks) and logout at /oauth2/v1/logout

Options:
  --port <n>                the port (default ${DEFAULT_PORT}; 0 picks a free one)
  --providers <list>        comma-separated, from ${PROVIDER_NAMES.join(', ')} (default: all)
  --dpop                    DPoP (RFC 9449) at the oauth2 and sqowey servers and their APIs: a token request
                            with a proof gets a DPoP-bound token (one without, a Bearer token)
  --dpop-nonce <mode>       with --dpop: required (every proof carries the server's nonce, RFC 9449 8) or
                            rotate (a new nonce with every answer); default off
  --json                    print the URL and credentials as one line of JSON
  --verbose                 print stack traces with errors
  -h, --help                show this help

Examples:
  tokenkeeper emulate
  tokenkeeper emulate --port 0 --providers squidex,sqowey --json
  tokenkeeper emulate --dpop --dpop-nonce required

${EXIT_CODES_HELP} (3: the port could not be opened)`,

	async run(args, context) {
		const values = parseCommandArgs(args, OPTIONS, NAME);
		const port = integerOption(values.port, 'port', NAME, 65_535) ?? DEFAULT_PORT;
		const providers = values.providers
			?.split(',')
			.map((name) => name.trim())
			.filter(Boolean);
		if (providers?.length === 0) throw new UsageError('--providers is empty', NAME);
		const emulator = await start(port, providers, dpopOption(values));
		const shutdown = context.waitForShutdown();
		printEmulator(context, emulator, providers, values.json === true);
		if (values.dpop && !values.json) context.stdout.write(`DPoP on (nonce ${values['dpop-nonce'] ?? 'off'}).\n`);
		const signal = await shutdown;
		await emulator.close();
		context.stderr.write(`tokenkeeper: emulator stopped (${signal})\n`);
		return ExitCode.Ok;
	},
};

/** `--dpop` and `--dpop-nonce`, as the emulator's `dpop` option; a nonce mode without `--dpop` is a usage error. */
function dpopOption(values: {
	readonly dpop?: boolean | undefined;
	readonly 'dpop-nonce'?: string | undefined;
}): EmulatorDpopOptions | undefined {
	const nonce = values['dpop-nonce'];
	if (nonce !== undefined && !values.dpop) throw new UsageError('--dpop-nonce needs --dpop', NAME);
	if (nonce !== undefined && !(DPOP_NONCES as readonly string[]).includes(nonce)) {
		throw new UsageError(`Expected --dpop-nonce to be ${DPOP_NONCES.join(', ')}, got "${nonce}"`, NAME);
	}
	return values.dpop ? { nonce: nonce as (typeof DPOP_NONCES)[number] | undefined } : undefined;
}

async function start(port: number, providers: string[] | undefined, dpop: EmulatorDpopOptions | undefined): Promise<Emulator> {
	try {
		// The names are checked by the emulator itself, so a provider it gains needs no change here.
		return await createEmulator({ port, providers: providers as CreateEmulatorOptions['providers'], dpop });
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
