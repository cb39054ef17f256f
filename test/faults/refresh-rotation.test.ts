import { describe, expect, it } from 'vitest';
import {
	createClient,
	createMemoryStore,
	createTokenManager,
	dotkernel,
	ErrorCode,
	sqowey,
	type TokenManager,
	type TokenManagerOptions,
	type TokenSet,
} from '../../src/index.js';
import type { Fault, InjectFaultOptions } from '../../src/testing/index.js';
import { outcomeName, rejection, settle } from '../_helpers/outcome.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';
import { createSqoweyFlow, login, REDIRECT_URI } from '../_helpers/sqowey-flow.js';
import { useEmulator } from '../_helpers/emulator.js';

/**
 * Rotation under hostile conditions (rules 3 and 8): a refresh token presented twice, and refresh requests that
 * fail on the way. Dotkernel rotates and answers a reused token with 401; Sqowey rotates and, on reuse, revokes the
 * whole session (RFC 9700 4.14.2). Two managers with separate stores stand for two processes that share no store.
 */
const FAST = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 200 } as const;

const emulator = useEmulator();
expectNoLeftoverResourcesAfterEachTest();

function dotkernelManager(options: { credentials?: boolean } & Partial<TokenManagerOptions> = {}): TokenManager {
	const { credentials = true, ...managerOptions } = options;
	const { url, clientId, clientSecret, username, password } = emulator().credentials.dotkernel;
	const provider = dotkernel({ url, clientId, clientSecret, credentials: credentials ? async () => ({ username, password }) : undefined });
	return createTokenManager(provider, { ...FAST, ...managerOptions });
}

function sqoweyManager(): TokenManager {
	const { url, clientId } = emulator().credentials.sqowey;
	return createTokenManager(sqowey({ url, clientId, redirectUri: REDIRECT_URI }), FAST);
}

/** A second process that copied the first one's tokens (no shared store): both hold the same refresh token. */
async function copyInto(manager: TokenManager, tokenSet: TokenSet): Promise<void> {
	await manager.setTokens(tokenSet);
}

const dotkernelApi = (auth: TokenManager) => createClient({ prefixUrl: `${emulator().url}/`, auth, retry: 0 });
const sqoweyApi = (auth: TokenManager) => createClient({ prefixUrl: `${emulator().url}/api/`, auth, retry: 0 });

function loginRequiredEvents(manager: TokenManager): string[] {
	const events: string[] = [];
	manager.on('login-required', ({ error }) => events.push(error.code));
	return events;
}

describe('a refresh token used twice', () => {
	it('Dotkernel, password grant available: the refused refresh falls back to one password grant, and the request succeeds', async () => {
		const first = dotkernelManager();
		const second = dotkernelManager();
		await copyInto(second, await first.getToken());
		emulator().expireAllTokens();

		expect((await dotkernelApi(first).get('user/my-account').json<{ identity: string }>()).identity).toBe('test@dotkernel.com');
		const started = performance.now();
		const account = await dotkernelApi(second).get('user/my-account').json<{ identity: string }>();

		expect(account.identity).toBe('test@dotkernel.com');
		expect(performance.now() - started).toBeLessThan(1_000);
		expect(emulator().counters()).toMatchObject({ refreshTokenReuse: 1, tokenRequests: { password: 2, refresh_token: 2 } });
		// The second process now has a session of its own; the first one's is untouched.
		expect((await second.getToken()).accessToken).not.toBe((await first.getToken()).accessToken);
		expect((await dotkernelApi(first).get('user/my-account')).status).toBe(200);
	});

	it('Dotkernel, no credentials: LoginRequiredError and one login-required event; the dead session is not refreshed again', async () => {
		const first = dotkernelManager();
		const second = dotkernelManager({ credentials: false });
		await copyInto(second, await first.getToken());
		const events = loginRequiredEvents(second);
		await first.getToken({ forceRefresh: true });

		const outcome = await settle(second.getToken({ forceRefresh: true }), 2_000);

		expect(outcomeName(outcome)).toBe(ErrorCode.LoginRequired);
		expect(rejection(outcome).message).toMatch(/refresh token was refused.*Log in again/);
		expect(rejection(outcome).cause).toMatchObject({ code: ErrorCode.OAuth, status: 401 });
		expect(outcome.ms).toBeLessThan(1_000);
		expect(events).toEqual([ErrorCode.LoginRequired]);
		await expect(second.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		expect(emulator().counters()).toMatchObject({ refreshTokenReuse: 1, tokenRequests: { refresh_token: 2, password: 1 } });
	});

	it('Sqowey: reuse revokes the session; both holders end with LoginRequiredError, each after one refused refresh', async () => {
		const flow = createSqoweyFlow(emulator(), FAST);
		const second = sqoweyManager();
		await copyInto(second, await login(flow));
		const firstEvents = loginRequiredEvents(flow.tokens);
		const secondEvents = loginRequiredEvents(second);

		// The first holder rotates RT1 -> RT2; the second presents RT1 again: the server revokes everything.
		await flow.tokens.getToken({ forceRefresh: true });
		const second401 = await settle(second.getToken({ forceRefresh: true }), 2_000);
		expect(outcomeName(second401)).toBe(ErrorCode.LoginRequired);
		expect(emulator().counters().refreshTokenReuse).toBe(1);

		// The first holder's fresh access token is dead too: its next call gets 401, one refresh (refused), and stops.
		const firstCall = await settle(sqoweyApi(flow.tokens).get('users/@me').json(), 2_000);
		expect(outcomeName(firstCall)).toBe(ErrorCode.LoginRequired);
		expect(firstCall.ms).toBeLessThan(1_000);
		expect([firstEvents, secondEvents]).toEqual([[ErrorCode.LoginRequired], [ErrorCode.LoginRequired]]);
		expect(emulator().counters()).toMatchObject({
			refreshTokenReuse: 1,
			tokenRequests: { authorization_code: 1, refresh_token: 3 },
			apiRequests: { total: 1, rejected: 1 },
		});
	});

	it('the same two holders sharing one store: 50 concurrent calls after expiry -> 1 refresh, no reuse', async () => {
		const store = createMemoryStore();
		const first = dotkernelManager({ store, key: 'shared' });
		const second = dotkernelManager({ store, key: 'shared' });
		await first.getToken();
		emulator().expireAllTokens();

		const calls = Array.from({ length: 50 }, (_, i) =>
			dotkernelApi(i % 2 ? first : second)
				.get('user/my-account')
				.json(),
		);
		const outcomes = await Promise.all(calls.map((call) => settle(call, 3_000)));

		expect(outcomes.map(outcomeName)).toEqual(Array(50).fill('success'));
		expect(emulator().counters()).toMatchObject({ refreshTokenReuse: 0, tokenRequests: { password: 1, refresh_token: 1 } });
	});
});

describe('a refresh request that fails on the way keeps the refresh token', () => {
	/** Each fault hits the refresh request; the outcome of that call, and that the next call refreshes with the same token. */
	const rows: Array<{ name: string; fault: Fault; options?: InjectFaultOptions; outcome: string; requests: number; within: number }> = [
		{
			name: '503 twice, then 200',
			fault: { kind: 'status', status: 503 },
			options: { times: 2 },
			outcome: 'success',
			requests: 3,
			within: 1_000,
		},
		{ name: 'connection reset for good', fault: { kind: 'reset' }, outcome: ErrorCode.Network, requests: 3, within: 1_000 },
		{ name: 'a hang for good', fault: { kind: 'hang' }, outcome: ErrorCode.Timeout, requests: 3, within: 1_500 },
		{ name: 'an HTML page with 200', fault: { kind: 'html' }, outcome: ErrorCode.TokenResponse, requests: 1, within: 500 },
		{
			name: '200 without access_token',
			fault: { kind: 'token-response', body: { token_type: 'Bearer' } },
			outcome: ErrorCode.TokenResponse,
			requests: 1,
			within: 500,
		},
	];

	it.each(rows)(
		'Sqowey refresh, $name -> $outcome after $requests request(s); then one refresh with the same token succeeds',
		async (row) => {
			const flow = createSqoweyFlow(emulator(), FAST);
			await login(flow);
			emulator().resetCounters();
			emulator().injectFault(row.fault, row.options);

			const outcome = await settle(flow.tokens.getToken({ forceRefresh: true }), row.within + 2_000);

			expect(outcomeName(outcome)).toBe(row.outcome);
			expect(outcome.ms).toBeLessThan(row.within);
			const { faultsServed, tokenRequests } = emulator().counters();
			expect(faultsServed + tokenRequests.total).toBe(row.requests);
			emulator().clearFaults();
			if (row.outcome !== 'success') {
				await expect(flow.tokens.getToken({ forceRefresh: true })).resolves.toMatchObject({ tokenType: 'Bearer' });
			}
			expect(emulator().counters()).toMatchObject({ refreshTokenReuse: 0, tokenRequests: { refresh_token: 1 } });
			expect((await sqoweyApi(flow.tokens).get('users/@me')).status).toBe(200);
		},
	);
});
