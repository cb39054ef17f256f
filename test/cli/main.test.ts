import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { ExitCode, exitCodeFor } from '../../src/cli/exit-codes.js';
import { createRequestLog } from '../../src/cli/request-log.js';
import { oneLine } from '../../src/cli/terminal-text.js';
import { redact } from '../../src/endpoint/redaction.js';
import { LoginRequiredError, NetworkError, OAuthError, TokenResponseError } from '../../src/index.js';
import { UsageError } from '../../src/cli/cli-error.js';

function context(argv: string[], env: Record<string, string> = {}) {
	const out = { stdout: '', stderr: '' };
	const ctx: CliContext = {
		argv,
		env,
		stdin: (async function* () {})(),
		stdout: { write: (text: string) => (out.stdout += text) },
		stderr: { write: (text: string) => (out.stderr += text) },
		secrets: new Set(),
		requests: createRequestLog(),
		waitForShutdown: () => new Promise(() => {}),
	};
	return { ctx, out };
}

describe('exit codes', () => {
	it('0 ok, 1 the server refused, 2 usage error, 3 network', () => {
		const oauth = new OAuthError({ error: 'invalid_client', status: 401 }, 'no');
		expect(exitCodeFor(oauth)).toBe(ExitCode.Refused);
		expect(exitCodeFor(new LoginRequiredError('x'))).toBe(1);
		expect(exitCodeFor(new TokenResponseError('x'))).toBe(1);
		expect(exitCodeFor(new UsageError('x', 'token squidex'))).toBe(2);
		expect(exitCodeFor(new NetworkError('x', { attempts: 4 }))).toBe(3);
		expect(exitCodeFor(new NetworkError('x', { attempts: 4, timeout: true }))).toBe(3);
	});
});

describe('stderr hygiene', () => {
	it('redact: every secret, longest first, so a secret containing another leaves no tail', () => {
		expect(redact('a=abc123 b=abc', new Set(['abc', 'abc123']))).toBe('a=[redacted] b=[redacted]');
	});

	it('oneLine: newlines collapse, terminal escape sequences cannot reach the terminal', () => {
		expect(oneLine('bad\n  client\u001b[2J\tnow')).toBe('bad client?[2J now');
	});
});

describe('main', () => {
	it('--help lists every command and the exit codes', async () => {
		const { ctx, out } = context(['--help']);
		expect(await main(ctx)).toBe(0);
		for (const name of ['token squidex', 'token dotkernel', 'token oauth2', 'login sqowey', 'emulate']) expect(out.stdout).toContain(name);
		expect(out.stdout).toContain('Exit codes');
	});

	it('`help token squidex` is `token squidex --help`', async () => {
		const a = context(['help', 'token', 'squidex']);
		const b = context(['token', 'squidex', '--help']);
		await main(a.ctx);
		await main(b.ctx);
		expect(a.out.stdout).toBe(b.out.stdout);
		expect(a.out.stdout).toContain('Usage: tokenkeeper token squidex');
	});

	it('no command: exit 2 and one line on stderr', async () => {
		const { ctx, out } = context([]);
		expect(await main(ctx)).toBe(2);
		expect(out.stderr.trim().split('\n')).toHaveLength(1);
	});

	it('a secret given in argv is redacted from every later stderr line', async () => {
		const secret = 'argv-secret-0b7e';
		const { ctx, out } = context([
			'token',
			'squidex',
			'--client-id',
			'a:b',
			'--url',
			`http://${secret}`,
			'--retries',
			'0',
			'--client-secret',
			secret,
		]);
		// An absurd URL that contains the secret: whatever goes wrong, stderr must not show it.
		await main(ctx);
		expect(out.stderr).toContain('[redacted]');
		expect(out.stderr).not.toContain(secret);
	});
});
