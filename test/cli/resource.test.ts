import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { type CliResult, runCli, startCli, useCliSandbox } from '../_helpers/cli.js';

/**
 * `--resource` (RFC 8707) on `token oauth2` and `login oauth2`: one session file per session, holding a token per API
 * and the session's one refresh token. The built CLI, spawned against the emulator's audience-checking APIs
 * (`/orders/` and `/billing/`), each test with a sessions directory of its own; every figure is the emulator's count.
 */
let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator({ oauth2: { deviceInterval: 0.1 } });
});
afterAll(() => emulator.close());

const { newHome, running } = useCliSandbox('tokenkeeper-resource-', () => emulator.resetCounters());

const apis = () => {
	const [orders = '', billing = ''] = emulator.credentials.oauth2.resources;
	return { orders, billing };
};

function cli(home: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
	return runCli(args, { env: { TOKENKEEPER_HOME: home, ...env } });
}

/** `token oauth2` with the confidential client's secret (client credentials). */
function clientToken(home: string, args: readonly string[]): Promise<CliResult> {
	const { issuer, clientId, clientSecret } = emulator.credentials.oauth2;
	return cli(home, ['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, ...args], {
		TOKENKEEPER_CLIENT_SECRET: clientSecret!,
	});
}

/** Token requests the emulator counted for `resource`, and in all. */
function requestsFor(resource: string): number {
	return emulator.counters().resources[resource]!.tokenRequests.total;
}

/** The status the emulator's API at `resource` answers a GET with `token`. */
async function apiStatus(resource: string, token: string): Promise<number> {
	const response = await fetch(`${resource}42`, { headers: { authorization: `Bearer ${token}` } });
	await response.body?.cancel();
	return response.status;
}

/** The session files of `home`, parsed. */
function sessionFiles(home: string): Array<{ key: string; tokens: { targets?: Record<string, unknown> } }> {
	return readdirSync(home)
		.filter((name) => name.endsWith('.json'))
		.map((name) => JSON.parse(readFileSync(join(home, name), 'utf8')) as { key: string; tokens: { targets?: Record<string, unknown> } });
}

const loginFlags = () => ['--issuer', emulator.url, '--client-id', emulator.credentials.oauth2.publicClientId!, '--scope', 'openid'];

/** `login oauth2` in the browser, the browser's part done by fetch; resolves with the authorization URL and the result. */
async function browserLogin(home: string, args: readonly string[]): Promise<{ authorizationUrl: URL; result: CliResult }> {
	const login = startCli(['login', 'oauth2', ...loginFlags(), '--no-open', ...args], { env: { TOKENKEEPER_HOME: home } });
	running.push(login);
	const [printed] = await login.waitFor('stderr', /^http\S+$/m);
	const consent = await fetch(printed, { redirect: 'manual' });
	expect(consent.status).toBe(302);
	await (await fetch(consent.headers.get('location')!)).text();
	return { authorizationUrl: new URL(printed), result: await login.exited };
}

describe('token oauth2 --resource: client credentials, a token per API cached in the one session file', () => {
	it('orders, billing, orders again, billing again -> 1 token request per API; each token opens its API only; one file holds both', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		const first = await clientToken(home, ['--resource', orders]);
		expect(first).toMatchObject({ code: 0, stderr: '' });
		const ordersToken = first.stdout.trim();
		expect(await apiStatus(orders, ordersToken)).toBe(200);
		expect(await apiStatus(billing, ordersToken)).toBe(401);

		const second = await clientToken(home, ['--resource', billing]);
		expect(second).toMatchObject({ code: 0, stderr: '' });
		const billingToken = second.stdout.trim();
		expect(await apiStatus(billing, billingToken)).toBe(200);
		expect(await apiStatus(orders, billingToken)).toBe(401);

		const repeats = [await clientToken(home, ['--resource', orders]), await clientToken(home, ['--resource', billing])];
		expect(repeats.map((result) => result.stdout.trim())).toEqual([ordersToken, billingToken]);

		const figures = { orders: requestsFor(orders), billing: requestsFor(billing), total: emulator.counters().tokenRequests.total };
		console.log(`token oauth2 --resource orders, billing, orders, billing: token requests ${JSON.stringify(figures)}`);
		expect(figures).toEqual({ orders: 1, billing: 1, total: 2 });
		const files = sessionFiles(home);
		expect(files).toHaveLength(1);
		// One token per API in the entry's targets (keyed by resource and scope: the core's format, checked loosely).
		const targets = Object.keys(files[0]!.tokens.targets ?? {});
		expect(targets).toHaveLength(2);
		for (const api of [orders, billing]) expect(targets.filter((key) => key.startsWith(api))).toHaveLength(1);
	});

	it('10 cold runs at once, 5 per API: 1 token request per API, one session file', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		const resources = [orders, billing, orders, billing, orders, billing, orders, billing, orders, billing];
		const results = await Promise.all(resources.map((resource) => clientToken(home, ['--resource', resource])));
		expect(results.map((result) => result.code)).toEqual(resources.map(() => 0));
		for (const api of [orders, billing]) {
			const tokens = new Set(results.filter((_, i) => resources[i] === api).map((result) => result.stdout.trim()));
			expect(tokens.size).toBe(1);
			expect(await apiStatus(api, [...tokens][0]!)).toBe(200);
		}
		const figures = { orders: requestsFor(orders), billing: requestsFor(billing), total: emulator.counters().tokenRequests.total };
		console.log(`token oauth2 --resource, 5 + 5 concurrent cold runs: token requests ${JSON.stringify(figures)}`);
		expect(figures).toEqual({ orders: 1, billing: 1, total: 2 });
		expect(sessionFiles(home)).toHaveLength(1);
	}, 60_000);

	it('a token without --resource is the session default, apart from the API ones: each asked once', async () => {
		const home = newHome();
		const { orders } = apis();
		const plain = await clientToken(home, []);
		const forOrders = await clientToken(home, ['--resource', orders]);
		expect(forOrders.stdout).not.toBe(plain.stdout);
		expect(await apiStatus(orders, plain.stdout.trim())).toBe(401);
		expect((await clientToken(home, [])).stdout).toBe(plain.stdout);
		expect((await clientToken(home, ['--resource', orders])).stdout).toBe(forOrders.stdout);
		expect(emulator.counters().tokenRequests.total).toBe(2);
		expect(sessionFiles(home)).toHaveLength(1);
	});

	it('--no-cache --resource asks again and prints a token for that API', async () => {
		const home = newHome();
		const { billing } = apis();
		const result = await clientToken(home, ['--resource', billing, '--no-cache']);
		expect(result.code).toBe(0);
		expect(await apiStatus(billing, result.stdout.trim())).toBe(200);
		expect(requestsFor(billing)).toBe(1);
	});

	it('a --resource that is not an absolute URL, has a fragment, or is given twice: exit 2, one line, no request', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		const cases: Array<[string[], RegExp]> = [
			[['--resource', 'orders'], /^tokenkeeper: Expected --resource to be an absolute URL with a host/],
			[['--resource', 'localhost:8080/orders'], /^tokenkeeper: Expected --resource to be an absolute URL with a host/],
			[['--resource', `${orders}#part`], /^tokenkeeper: --resource must not have a fragment \(RFC 8707\)/],
			[['--resource', orders, '--resource', billing], /^tokenkeeper: Pass one --resource: a token is for one API/],
		];
		for (const [args, message] of cases) {
			const result = await clientToken(home, args);
			expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
			expect(result.stderr).toMatch(message);
			expect(result.stderr).toMatch(/\(see `tokenkeeper token oauth2 --help`\)\n$/);
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
		}
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});

	it('an API the server does not know: exit 1, ERR_OAUTH invalid_target naming the resource; no secret printed', async () => {
		const home = newHome();
		const unknown = `${emulator.url}/shipping/`;
		const result = await clientToken(home, ['--resource', unknown]);
		console.log(`token oauth2 --resource <unknown API>: exit ${result.code}, "${result.stderr.trim()}"`);
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toMatch(/^tokenkeeper: ERR_OAUTH: .*invalid_target/);
		expect(result.stderr).toContain(unknown);
		expect(result.stderr).not.toContain(emulator.credentials.oauth2.clientSecret!);
	});

	it('--help documents --resource', async () => {
		for (const command of ['token', 'login']) {
			const help = await cli(newHome(), [command, 'oauth2', '--help']);
			expect(help.code).toBe(0);
			expect(help.stdout).toMatch(/--resource <url>/);
		}
	});
});

describe('login oauth2 --resource A --resource B: one login for both APIs, then token oauth2 --session --resource', () => {
	it('the authorization request names both; token for each, then each again -> 1 exchange + 1 refresh, 0 reuse', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		const { authorizationUrl, result: login } = await browserLogin(home, ['--resource', orders, '--resource', billing]);
		expect(authorizationUrl.searchParams.getAll('resource')).toEqual([orders, billing]);
		expect(login.code).toBe(0);
		const loginToken = login.stdout.trim();
		expect(await apiStatus(orders, loginToken)).toBe(200);

		const session = ['token', 'oauth2', '--session', ...loginFlags()];
		const billingToken = await cli(home, [...session, '--resource', billing]);
		expect(billingToken).toMatchObject({ code: 0, stderr: '' });
		expect(await apiStatus(billing, billingToken.stdout.trim())).toBe(200);
		const ordersToken = await cli(home, [...session, '--resource', orders]);
		expect(ordersToken.stdout.trim()).toBe(loginToken);
		expect(await apiStatus(orders, ordersToken.stdout.trim())).toBe(200);
		for (const resource of [orders, billing]) expect((await cli(home, [...session, '--resource', resource])).code).toBe(0);

		const { tokenRequests, refreshTokenReuse } = emulator.counters();
		const figures = {
			authorization_code: tokenRequests.authorization_code,
			refresh_token: tokenRequests.refresh_token,
			orders: requestsFor(orders),
			billing: requestsFor(billing),
			refreshTokenReuse,
		};
		console.log(`login --resource orders --resource billing, then token --session for each, twice: ${JSON.stringify(figures)}`);
		expect(figures).toEqual({ authorization_code: 1, refresh_token: 1, orders: 1, billing: 1, refreshTokenReuse: 0 });
		expect(sessionFiles(home)).toHaveLength(1);
	});

	it('tokens that are never fresh: every run refreshes with the refresh token the run before rotated, whatever the API; 0 reuse', async () => {
		// Access tokens of 1 s are fresh for half their life (the leeway is at most half the lifetime): a run 0.6 s after
		// the token before it refreshes, alternating APIs.
		const shortLived = await createEmulator({ providers: ['oauth2'], oauth2: { accessTokenLifetime: 1 } });
		try {
			const home = newHome();
			const [orders = '', billing = ''] = shortLived.credentials.oauth2.resources;
			const flags = ['--issuer', shortLived.url, '--client-id', shortLived.credentials.oauth2.publicClientId!, '--scope', 'openid'];
			const login = startCli(['login', 'oauth2', ...flags, '--no-open', '--resource', orders, '--resource', billing], {
				env: { TOKENKEEPER_HOME: home },
			});
			running.push(login);
			const [printed] = await login.waitFor('stderr', /^http\S+$/m);
			const consent = await fetch(printed, { redirect: 'manual' });
			await (await fetch(consent.headers.get('location')!)).text();
			expect((await login.exited).code).toBe(0);
			const runs: number[] = [];
			for (const resource of [orders, billing, orders, billing]) {
				await new Promise((resolve) => setTimeout(resolve, 600));
				const result = await cli(home, ['token', 'oauth2', '--session', ...flags, '--resource', resource]);
				runs.push(result.code ?? -1);
			}
			const { tokenRequests, refreshTokenReuse, resources } = shortLived.counters();
			const figures = {
				runs,
				refresh_token: tokenRequests.refresh_token,
				orders: resources[orders]!.tokenRequests.refresh_token,
				billing: resources[billing]!.tokenRequests.refresh_token,
				refreshTokenReuse,
			};
			console.log(`login for 2 APIs, 1 s tokens, token --session orders, billing, orders, billing: ${JSON.stringify(figures)}`);
			expect(figures).toEqual({ runs: [0, 0, 0, 0], refresh_token: 4, orders: 2, billing: 2, refreshTokenReuse: 0 });
		} finally {
			await shortLived.close();
		}
	});

	it('10 runs at once, 5 per API, after the login: 1 refresh (billing), orders from the file, 0 reuse; every token works', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		const { result: login } = await browserLogin(home, ['--resource', orders, '--resource', billing]);
		emulator.resetCounters();
		const session = ['token', 'oauth2', '--session', ...loginFlags()];
		const resources = [orders, billing, orders, billing, orders, billing, orders, billing, orders, billing];
		const results = await Promise.all(
			resources.map((resource) => runCli([...session, '--resource', resource], { env: { TOKENKEEPER_HOME: home }, timeout: 30_000 })),
		);
		expect(results.map((result) => result.code)).toEqual(resources.map(() => 0));
		expect(new Set(results.filter((_, i) => resources[i] === orders).map((result) => result.stdout))).toEqual(new Set([login.stdout]));
		const billingTokens = new Set(results.filter((_, i) => resources[i] === billing).map((result) => result.stdout.trim()));
		expect(billingTokens.size).toBe(1);
		expect(await apiStatus(billing, [...billingTokens][0]!)).toBe(200);
		const { tokenRequests, refreshTokenReuse } = emulator.counters();
		console.log(
			`login for 2 APIs, then 5 + 5 concurrent token --session runs: ${tokenRequests.total} token request(s), ${refreshTokenReuse} reuse`,
		);
		expect({
			total: tokenRequests.total,
			refresh_token: tokenRequests.refresh_token,
			billing: requestsFor(billing),
			refreshTokenReuse,
		}).toEqual({
			total: 1,
			refresh_token: 1,
			billing: 1,
			refreshTokenReuse: 0,
		});
	}, 60_000);

	it('token --session --resource for an API the login did not name: exit 1 invalid_target naming it; the session lives on', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		await browserLogin(home, ['--resource', orders]);
		const session = ['token', 'oauth2', '--session', ...loginFlags()];
		const refused = await cli(home, [...session, '--resource', billing]);
		console.log(`token --session --resource <API not named at login>: exit ${refused.code}, "${refused.stderr.trim()}"`);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/^tokenkeeper: ERR_OAUTH: .*invalid_target/);
		expect(refused.stderr).toContain(billing);
		expect(refused.stderr).not.toContain('The stored session has ended');
		// The refresh token was not spent: the session's default token (no resource, for userinfo) comes from it.
		const plain = await cli(home, session);
		expect(plain).toMatchObject({ code: 0, stderr: '' });
		const userinfo = await fetch(`${emulator.url}/oauth2/v1/userinfo`, { headers: { authorization: `Bearer ${plain.stdout.trim()}` } });
		expect(userinfo.status).toBe(200);
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});

	it('logout oauth2 after a login for 2 APIs: revokes and deletes the one session file; neither API takes its token after', async () => {
		const home = newHome();
		const { orders, billing } = apis();
		const { result: login } = await browserLogin(home, ['--resource', orders, '--resource', billing]);
		const billingToken = (await cli(home, ['token', 'oauth2', '--session', ...loginFlags(), '--resource', billing])).stdout.trim();
		emulator.resetCounters();
		const logout = await cli(home, ['logout', 'oauth2', ...loginFlags()]);
		console.log(`logout after a login for 2 APIs: exit ${logout.code}, ${emulator.counters().revocations} revocation request(s)`);
		expect(logout.code).toBe(0);
		expect(logout.stderr).toMatch(/revoked at the provider and the session deleted/);
		expect(sessionFiles(home)).toHaveLength(0);
		expect([await apiStatus(orders, login.stdout.trim()), await apiStatus(billing, billingToken)]).toEqual([401, 401]);
	});

	it('a --resource that is not an absolute URL: exit 2 before anything listens or is sent', async () => {
		const result = await cli(newHome(), ['login', 'oauth2', ...loginFlags(), '--no-open', '--resource', 'billing']);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(
			/^tokenkeeper: Expected --resource to be an absolute URL with a host.*\(see `tokenkeeper login oauth2 --help`\)\n$/,
		);
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});
});

/**
 * The session's default token keeps the session's refresh and ID tokens when the session also holds tokens for APIs:
 * `token … --session --json` ("the whole token set, tokens included") prints the same fields either way. Found while
 * building `--resource`: before 0f21940 the default token lost them once the entry had a target (red here then).
 */
describe('core: the default token of a session with other targets', () => {
	it('token oauth2 --session --json prints the same fields (refreshToken included) before and after a --resource run', async () => {
		const home = newHome();
		const { billing } = apis();
		await browserLogin(home, []);
		const session = ['token', 'oauth2', '--session', ...loginFlags(), '--json'];
		const before = JSON.parse((await cli(home, session)).stdout) as Record<string, unknown>;
		expect(before.refreshToken).toEqual(expect.any(String));
		expect((await cli(home, ['token', 'oauth2', '--session', ...loginFlags(), '--resource', billing])).code).toBe(0);
		const after = JSON.parse((await cli(home, session)).stdout) as Record<string, unknown>;
		console.log(`token --session --json fields before a --resource run: ${Object.keys(before)}; after: ${Object.keys(after)}`);
		expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
	});
});
