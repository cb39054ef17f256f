import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { type CliResult, runCli, startCli, useCliSandbox } from '../_helpers/cli.js';

/**
 * The confidential-client flags of the built CLI, spawned against the emulator: `token oauth2 --client-key FILE`
 * (private_key_jwt, RFC 7523) and `login oauth2 --par` (RFC 9126). Each test has a sessions directory of its own.
 */
let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator();
});
afterAll(() => emulator.close());

const { newHome, running } = useCliSandbox('tokenkeeper-confidential-', () => emulator.resetCounters());

function cli(home: string, args: readonly string[]): Promise<CliResult> {
	return runCli(args, { env: { TOKENKEEPER_HOME: home } });
}

/** A new EC key in a PEM file in `home`, its public half registered with the emulator's confidential client. */
async function registeredKeyFile(home: string): Promise<{ file: string; pem: string }> {
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	await emulator.registerClientKey(publicKey.export({ format: 'jwk' }) as JsonWebKey);
	const pem = String(privateKey.export({ format: 'pem', type: 'pkcs8' }));
	const file = join(home, 'client.pem');
	writeFileSync(file, pem, { mode: 0o600 });
	return { file, pem };
}

describe('token oauth2 --client-key FILE (private_key_jwt)', () => {
	it('a registered key: a token, no secret read; the second run is served from the session file, bound to the key', async () => {
		const home = newHome();
		const { file, pem } = await registeredKeyFile(home);
		const { issuer, clientId } = emulator.credentials.oauth2;
		const args = ['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, '--client-key', file];
		const first = await cli(home, args);
		expect(first).toMatchObject({ code: 0, stderr: '' });
		expect(first.stdout.trim()).not.toBe('');
		const second = await cli(home, args);
		expect(second.stdout).toBe(first.stdout);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { client_credentials: 1 }, clientAssertions: { accepted: 1 } });
		// The key is nowhere in what the CLI printed or kept.
		const body = pem.split('\n').slice(1, -2).join('');
		expect(first.stdout + first.stderr + second.stderr).not.toContain(body.slice(10, 40));
	});

	it('a key the server does not know: exit 1, invalid_client, and neither the key nor the assertion printed', async () => {
		const home = newHome();
		const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
		const file = join(home, 'unknown.pem');
		const pem = String(privateKey.export({ format: 'pem', type: 'pkcs8' }));
		writeFileSync(file, pem, { mode: 0o600 });
		const { issuer, clientId } = emulator.credentials.oauth2;
		const result = await cli(home, ['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, '--client-key', file]);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/invalid_client/);
		expect(result.stderr).not.toMatch(/eyJ/);
		expect(result.stderr).not.toContain(pem.split('\n')[1]!.slice(0, 30));
		expect(emulator.counters().clientAssertions.refused.total).toBe(1);
	});

	it('--client-key with --client-auth: a usage error, before any request', async () => {
		const home = newHome();
		const { file } = await registeredKeyFile(home);
		const { issuer, clientId } = emulator.credentials.oauth2;
		const result = await cli(home, [
			'token',
			'oauth2',
			'--issuer',
			issuer,
			'--client-id',
			clientId,
			'--client-key',
			file,
			'--client-auth',
			'body',
		]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--client-key and --client-auth/);
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});
});

describe('login oauth2 --par (RFC 9126)', () => {
	it('the URL to open names only client_id and request_uri; the login completes, 1 pushed request, 1 code exchange', async () => {
		const home = newHome();
		const flags = ['--issuer', emulator.url, '--client-id', emulator.credentials.oauth2.publicClientId!, '--scope', 'openid'];
		const login = startCli(['login', 'oauth2', ...flags, '--no-open', '--par'], { env: { TOKENKEEPER_HOME: home } });
		running.push(login);
		const [printed] = await login.waitFor('stderr', /^http\S+$/m);
		expect([...new URL(printed).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
		const consent = await fetch(printed, { redirect: 'manual' });
		expect(consent.status).toBe(302);
		await (await fetch(consent.headers.get('location')!)).text();
		const result = await login.exited;
		expect(result.code).toBe(0);
		expect(emulator.counters()).toMatchObject({ pushedAuthorizationRequests: 1, tokenRequests: { authorization_code: 1 } });
	});
});

describe('login oauth2 --client-key: a confidential client that proves itself with a key, in every command of its session', () => {
	it('login, then token --session refreshes with a new assertion; without the key the refresh is refused; logout revokes with it', async () => {
		const home = newHome();
		const { file } = await registeredKeyFile(home);
		const { clientId } = emulator.credentials.oauth2;
		const flags = ['--issuer', emulator.url, '--client-id', clientId, '--client-key', file, '--scope', 'openid offline_access'];
		const login = startCli(['login', 'oauth2', ...flags, '--no-open'], { env: { TOKENKEEPER_HOME: home } });
		running.push(login);
		const [printed] = await login.waitFor('stderr', /^http\S+$/m);
		const consent = await fetch(printed, { redirect: 'manual' });
		expect(consent.status).toBe(302);
		await (await fetch(consent.headers.get('location')!)).text();
		const loggedIn = await login.exited;
		expect(loggedIn.code, loggedIn.stderr).toBe(0);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { authorization_code: 1 }, clientAssertions: { accepted: 1 } });

		// A token for an API the login's token is not for comes by refresh (RFC 8707), with a new assertion.
		const [orders = '', billing = ''] = emulator.credentials.oauth2.resources;
		const refreshed = await cli(home, ['token', 'oauth2', '--session', ...flags, '--resource', orders]);
		expect(refreshed).toMatchObject({ code: 0, stderr: '' });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { refresh_token: 1 }, clientAssertions: { accepted: 2 } });

		const withoutKey = flags.filter((flag, i) => flag !== '--client-key' && flags[i - 1] !== '--client-key');
		const refused = await cli(home, ['token', 'oauth2', '--session', ...withoutKey, '--resource', billing]);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/invalid_client/);

		const logout = await cli(home, ['logout', 'oauth2', ...flags]);
		expect(logout.code).toBe(0);
		expect(emulator.counters().clientAssertions.accepted).toBeGreaterThanOrEqual(3);
	});
});
