import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/file.js';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { type CliResult, runCli, startCli, useCliSandbox } from '../_helpers/cli.js';

/**
 * How the commands that use a person's stored login find it (`token sqowey`, `token oauth2 --session`, `logout`), and
 * what they say when they cannot: the built CLI, spawned against the emulator, each test with a sessions directory of
 * its own.
 */
let emulator: Emulator;
let other: Emulator;
beforeAll(async () => {
	emulator = await createEmulator({ oauth2: { deviceInterval: 0.1 } });
	// A second server, for the same client id logged in at two URLs.
	other = await createEmulator({ providers: ['sqowey'] });
});
afterAll(async () => {
	await emulator.close();
	await other.close();
});

const { newHome, running } = useCliSandbox('tokenkeeper-lookup-', () => emulator.resetCounters());

const clientId = () => emulator.credentials.sqowey.clientId;
const publicClient = () => emulator.credentials.oauth2.publicClientId!;

function cli(home: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
	return runCli(args, { env: { TOKENKEEPER_HOME: home, ...env } });
}

/** `login sqowey --url <url>`, with the browser's part done by fetch: follow the printed URL, then its redirect. */
async function loginSqowey(home: string, url = emulator.url): Promise<string> {
	const login = startCli(['login', 'sqowey', '--url', url, '--client-id', clientId(), '--no-open'], { env: { TOKENKEEPER_HOME: home } });
	running.push(login);
	const [printed] = await login.waitFor('stderr', /^http\S+$/m);
	const consent = await fetch(printed, { redirect: 'manual' });
	await fetch(consent.headers.get('location')!);
	const result = await login.exited;
	expect(result.code).toBe(0);
	return result.stdout;
}

/** `login oauth2 --device` of the public client, approved at once. */
async function deviceLogin(home: string, scope: string): Promise<string> {
	const login = startCli(['login', 'oauth2', '--issuer', emulator.url, '--client-id', publicClient(), '--scope', scope, '--device'], {
		env: { TOKENKEEPER_HOME: home },
		timeout: 30_000,
	});
	running.push(login);
	const [, verify] = await login.waitFor('stderr', /or open (\S+)/);
	await fetch(verify!);
	const result = await login.exited;
	expect(result.code).toBe(0);
	return result.stdout;
}

describe('token sqowey and logout sqowey find the login by client id when --url is not given', () => {
	it('token sqowey without --url prints a token from the one login stored for the client, though it was logged in with --url', async () => {
		const home = newHome();
		const token = await loginSqowey(home);
		const result = await cli(home, ['token', 'sqowey', '--client-id', clientId()]);
		console.log(`token sqowey without --url after a login with --url: exit ${result.code}, "${result.stderr.trim()}"`);
		expect(result).toMatchObject({ code: 0, stderr: '' });
		expect(result.stdout).toBe(token);
	});

	it('logout sqowey without --url revokes and deletes the one login stored for the client; then token sqowey exits 1', async () => {
		const home = newHome();
		await loginSqowey(home);
		emulator.resetCounters();
		const logout = await cli(home, ['logout', 'sqowey', '--client-id', clientId()]);
		console.log(`logout sqowey without --url: exit ${logout.code}, "${logout.stderr.trim()}"`);
		expect(logout.code).toBe(0);
		expect(logout.stderr).toMatch(/revoked at the provider and the session deleted/);
		expect(emulator.counters().revocations).toBe(2);
		expect((await cli(home, ['sessions', '--json'])).stdout).toContain('"sessions": []');
	});

	it('logout with nothing to log out exits 1, listing the logins stored and the login command; the stored one stays', async () => {
		const home = newHome();
		await loginSqowey(home);
		const elsewhere = await cli(home, ['logout', 'sqowey', '--client-id', clientId(), '--url', other.url]);
		console.log(`logout sqowey at a URL without a login: exit ${elsewhere.code}, "${elsewhere.stderr.trim()}"`);
		expect(elsewhere.code).toBe(1);
		expect(elsewhere.stderr).toBe(
			`tokenkeeper: No stored login for sqowey client ${clientId()} at ${other.url}. ` +
				`Stored logins of sqowey: ${clientId()} (--url ${emulator.url}). ` +
				`To log in: \`tokenkeeper login sqowey --client-id ${clientId()} --url ${other.url}\`\n`,
		);
		const unknown = await cli(home, ['logout', 'sqowey', '--client-id', 'no-such-client']);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toContain(`Stored logins of sqowey: ${clientId()} (--url ${emulator.url})`);
		expect(emulator.counters().revocations).toBe(0);
		expect((await cli(home, ['token', 'sqowey', '--client-id', clientId()])).code).toBe(0);

		const empty = await cli(newHome(), ['logout', 'sqowey', '--client-id', clientId()]);
		expect(empty.code).toBe(1);
		expect(empty.stderr).toMatch(/No login of sqowey is stored in \S+\. To log in: `tokenkeeper login sqowey --client-id sqowey-spa`/);
	});

	it('two logins of the client at two URLs: without --url, token and logout exit 2 naming the --url of each, and send nothing', async () => {
		const home = newHome();
		await loginSqowey(home, emulator.url);
		await loginSqowey(home, other.url);
		emulator.resetCounters();
		for (const command of ['token', 'logout']) {
			const result = await cli(home, [command, 'sqowey', '--client-id', clientId()]);
			expect(result.code).toBe(2);
			expect(result.stderr).toMatch(
				new RegExp(`^tokenkeeper: 2 stored logins match sqowey client ${clientId()}: add --url (\\S+) or --url (\\S+) \\(see`),
			);
			expect(result.stderr).toContain(`--url ${emulator.url}`);
			expect(result.stderr).toContain(`--url ${other.url}`);
		}
		expect(emulator.counters().tokenRequests.total + emulator.counters().revocations).toBe(0);
		expect((await cli(home, ['token', 'sqowey', '--client-id', clientId(), '--url', other.url])).code).toBe(0);
	}, 30_000);
});

describe('token oauth2 --session and logout oauth2 find the login by client id (and scope) when no server is given', () => {
	it('token oauth2 --session without --issuer: the one login of the client; two scopes -> exit 2 naming the --scope of each', async () => {
		const home = newHome();
		const token = await deviceLogin(home, 'openid');
		const found = await cli(home, ['token', 'oauth2', '--session', '--client-id', publicClient()]);
		expect(found).toMatchObject({ code: 0, stdout: token });

		await deviceLogin(home, 'openid profile');
		const ambiguous = await cli(home, ['token', 'oauth2', '--session', '--client-id', publicClient()]);
		console.log(`token oauth2 --session, two logins of the client: exit ${ambiguous.code}, "${ambiguous.stderr.trim()}"`);
		expect(ambiguous.code).toBe(2);
		expect(ambiguous.stderr).toContain(`--issuer ${emulator.url} --scope "openid"`);
		expect(ambiguous.stderr).toContain(`--issuer ${emulator.url} --scope "openid profile"`);
		// The scope chooses: in any order.
		const chosen = await cli(home, ['token', 'oauth2', '--session', '--client-id', publicClient(), '--scope', 'profile openid']);
		expect(chosen.code).toBe(0);

		const logout = await cli(home, ['logout', 'oauth2', '--client-id', publicClient(), '--scope', 'openid']);
		expect(logout.code).toBe(0);
		expect((await cli(home, ['token', 'oauth2', '--session', '--client-id', publicClient()])).code).toBe(0);
	}, 40_000);

	it('a login whose meta does not say how its server was named (tokenkeeper 0.1): without --issuer, exit 2 asking for it; with it, found', async () => {
		const home = newHome();
		const token = await deviceLogin(home, 'openid');
		// What 0.1 kept beside a login: no issuer, no endpoints.
		const key = `tokenkeeper|oauth2|${emulator.url}|${publicClient()}|openid|login`;
		await new FileTokenStore({ dir: home }).setMeta(key, {
			provider: 'oauth2',
			url: emulator.url,
			clientId: publicClient(),
			scope: 'openid',
		});
		const without = await cli(home, ['token', 'oauth2', '--session', '--client-id', publicClient()]);
		expect(without.code).toBe(2);
		expect(without.stderr).toContain(`add --issuer|--token-endpoint ${emulator.url} --scope "openid"`);
		const withIssuer = await cli(home, [
			'token',
			'oauth2',
			'--session',
			'--issuer',
			emulator.url,
			'--client-id',
			publicClient(),
			'--scope',
			'openid',
		]);
		expect(withIssuer).toMatchObject({ code: 0, stdout: token });
	}, 30_000);

	it('--scope "b a" names the session of --scope "a b": scopes are sorted and each kept once', async () => {
		const home = newHome();
		const token = await deviceLogin(home, 'profile openid');
		const result = await cli(home, [
			'token',
			'oauth2',
			'--session',
			'--issuer',
			emulator.url,
			'--client-id',
			publicClient(),
			'--scope',
			'openid profile openid',
		]);
		console.log(`login --scope "profile openid", token --scope "openid profile openid": exit ${result.code}, "${result.stderr.trim()}"`);
		expect(result).toMatchObject({ code: 0, stdout: token });
		const listed = JSON.parse((await cli(home, ['sessions', '--json'])).stdout) as { sessions: Array<{ scope: string }> };
		expect(listed.sessions.map((session) => session.scope)).toEqual(['openid profile']);
	}, 30_000);

	it('token oauth2 of a public client without --session and without a secret: exit 2, naming the stored login and --session; no request', async () => {
		const home = newHome();
		await deviceLogin(home, 'openid');
		emulator.resetCounters();
		const result = await cli(home, ['token', 'oauth2', '--issuer', emulator.url, '--client-id', publicClient()]);
		console.log(`token oauth2 for a public client with a stored login, no --session: exit ${result.code}, "${result.stderr.trim()}"`);
		expect(result.code).toBe(2);
		expect(result.stderr).toBe(
			`tokenkeeper: No client secret, but a person's login is stored for oauth2 client ${publicClient()} ` +
				`(--issuer ${emulator.url} --scope "openid"): add --session to print a token from it (it is not used without: ` +
				"a person's token is not the client's own); or, for the client credentials grant, set TOKENKEEPER_CLIENT_SECRET, " +
				'or pipe it in with --client-secret-stdin (see `tokenkeeper token oauth2 --help`)\n',
		);
		expect(emulator.counters().tokenRequests.total).toBe(0);
		// Without a stored login, the missing secret is all there is to say.
		const none = await cli(newHome(), ['token', 'oauth2', '--issuer', emulator.url, '--client-id', publicClient()]);
		expect(none.code).toBe(2);
		expect(none.stderr).toMatch(/^tokenkeeper: No client secret: set TOKENKEEPER_CLIENT_SECRET/);
	}, 30_000);
});

describe('sessions', () => {
	it('lists each field apart: the client id and the scope do not run together', async () => {
		const home = newHome();
		const { url, clientId: squidexClient, clientSecret } = emulator.credentials.squidex;
		expect(
			(await cli(home, ['token', 'squidex', '--url', url, '--client-id', squidexClient], { TOKENKEEPER_CLIENT_SECRET: clientSecret })).code,
		).toBe(0);
		const result = await cli(home, ['sessions']);
		console.log(`sessions: "${result.stdout.split('\n')[0]}"`);
		expect(result.stdout.split('\n')[0]).toBe(`squidex  ${url}  ${squidexClient}  scope squidex-api`);
	});
});
