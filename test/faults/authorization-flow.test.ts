import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ErrorCode } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { errorName, outcomeName, rejection, settle } from '../_helpers/outcome.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createSqoweyFlow, login, startLogin, visit } from '../_helpers/sqowey-flow.js';

/**
 * The authorization code flow under attack or failure, against the Sqowey emulator (PKCE S256, single-use codes,
 * `iss` on every response, session revocation on code replay). Each row: the typed error and its `error`, how
 * many codes reached the token endpoint, and a bound on time.
 */
const FAST = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 200 } as const;

let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator({ providers: ['sqowey'] });
});
afterAll(() => emulator.close());
afterEach(() => {
	emulator.clearFaults();
	emulator.resetCounters();
	emulator.setConsent('allow');
});
expectNoLeftoverResourcesAfterEachTest();

const codeExchanges = () => emulator.counters().tokenRequests.authorization_code;
/** `ERR_AUTHORIZATION_RESPONSE:state_mismatch`, `ERR_LOGIN_REQUIRED:`…: code and `error` in one word. */
const described = (error: unknown) => `${errorName(error)}:${(error as { error?: string }).error ?? ''}`;

describe('the redirect back is checked before any code is exchanged', () => {
	it('a forged state -> state_mismatch, 0 exchanges; the genuine redirect still completes the login', async () => {
		const flow = createSqoweyFlow(emulator);
		const genuine = await startLogin(flow);
		const forged = new URL(genuine);
		forged.searchParams.set('state', 'attacker-chosen-state');

		const outcome = await settle(flow.handleCallback(forged), 1_000);

		expect(described(rejection(outcome))).toBe(`${ErrorCode.AuthorizationResponse}:state_mismatch`);
		expect(outcome.ms).toBeLessThan(500);
		expect(codeExchanges()).toBe(0);
		await expect(flow.handleCallback(genuine)).resolves.toMatchObject({ tokenType: 'Bearer' });
		expect(codeExchanges()).toBe(1);
	});

	it('no state at all -> missing_state, 0 exchanges', async () => {
		const flow = createSqoweyFlow(emulator);
		const callback = await startLogin(flow);
		callback.searchParams.delete('state');
		const outcome = await settle(flow.handleCallback(callback), 1_000);
		expect(described(rejection(outcome))).toBe(`${ErrorCode.AuthorizationResponse}:missing_state`);
		expect(codeExchanges()).toBe(0);
	});

	it("an iss that is not the provider's (mix-up, RFC 9207) -> iss_mismatch, 0 exchanges, and the attempt is spent", async () => {
		const flow = createSqoweyFlow(emulator);
		const genuine = await startLogin(flow);
		const mixedUp = new URL(genuine);
		mixedUp.searchParams.set('iss', 'https://attacker.example');

		const outcome = await settle(flow.handleCallback(mixedUp), 1_000);

		expect(described(rejection(outcome))).toBe(`${ErrorCode.AuthorizationResponse}:iss_mismatch`);
		expect(rejection(outcome).message).toContain('mix-up');
		expect(outcome.ms).toBeLessThan(500);
		// The state was taken: the code that came with the attack cannot be redeemed through this attempt any more.
		await expect(flow.handleCallback(genuine)).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'state_mismatch' });
		expect(codeExchanges()).toBe(0);
	});

	it('the same issuer spelled with a trailing slash is the same issuer: the login completes', async () => {
		const flow = createSqoweyFlow(emulator);
		const callback = await startLogin(flow);
		callback.searchParams.set('iss', `${emulator.url}/`);
		await expect(flow.handleCallback(callback)).resolves.toMatchObject({ tokenType: 'Bearer' });
		expect(codeExchanges()).toBe(1);
	});

	it('the user denies consent -> access_denied, named, 0 exchanges', async () => {
		emulator.setConsent('deny');
		const flow = createSqoweyFlow(emulator);
		const outcome = await settle(flow.handleCallback(await startLogin(flow)), 1_000);
		expect(described(rejection(outcome))).toBe(`${ErrorCode.AuthorizationResponse}:access_denied`);
		expect(rejection(outcome).message).toContain('refused or cancelled');
		expect(codeExchanges()).toBe(0);
	});

	it('the redirect replayed after a successful login -> state_mismatch, no second exchange', async () => {
		const flow = createSqoweyFlow(emulator);
		const callback = await startLogin(flow);
		await flow.handleCallback(callback);
		await expect(flow.handleCallback(callback)).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'state_mismatch' });
		expect(codeExchanges()).toBe(1);
	});
});

describe('two providers in one page share the attempt storage (mix-up, RFC 9207 2.4, RFC 9700 4.4)', () => {
	/** Provider B: a second Sqowey, on its own port, so another issuer. */
	let other: Emulator;
	beforeAll(async () => {
		other = await createEmulator({ providers: ['sqowey'] });
	});
	afterAll(() => other.close());
	afterEach(() => other.resetCounters());

	/** Flow A (the emulator) and flow B (the other), their attempts in one storage, as sessionStorage holds them. */
	function twoFlows() {
		const attemptStorage = createMemoryStorage();
		return { a: createSqoweyFlow(emulator, { attemptStorage }), b: createSqoweyFlow(other, { attemptStorage }) };
	}

	for (const iss of ['with', 'without'] as const) {
		it(`B's redirect (${iss} its iss) handled by A's flow -> provider_mismatch, 0 exchanges at either server; B's flow then completes it`, async () => {
			const { a, b } = twoFlows();
			const callback = await startLogin(b);
			expect(callback.searchParams.get('iss')).toBe(other.url);
			if (iss === 'without') callback.searchParams.delete('iss');

			const outcome = await settle(a.handleCallback(callback), 1_000);

			expect(described(rejection(outcome))).toBe(`${ErrorCode.AuthorizationResponse}:provider_mismatch`);
			expect(outcome.ms).toBeLessThan(500);
			expect(codeExchanges()).toBe(0);
			expect(other.counters().tokenRequests.authorization_code).toBe(0);
			await expect(b.handleCallback(callback)).resolves.toMatchObject({ tokenType: 'Bearer' });
			expect(other.counters().tokenRequests.authorization_code).toBe(1);
			expect(codeExchanges()).toBe(0);
		});
	}

	it("A's attempt, answered by B's server (its iss and code): B's flow refuses the attempt, A's flow the iss; 0 exchanges", async () => {
		const { a, b } = twoFlows();
		// The mix-up: A's authorization request ends at B's server, whose redirect names B and carries B's code.
		const sentToA = new URL(await a.createAuthorizationUrl({ scope: ['identity'] }));
		const atB = new URL(`${other.url}${sentToA.pathname}${sentToA.search}`);
		atB.searchParams.set('client_id', other.credentials.sqowey.clientId); // the client as registered at B
		const callback = await visit(atB.toString());
		expect(callback.searchParams.get('iss')).toBe(other.url);

		expect(described(rejection(await settle(b.handleCallback(callback), 1_000)))).toBe(
			`${ErrorCode.AuthorizationResponse}:provider_mismatch`,
		);
		expect(described(rejection(await settle(a.handleCallback(callback), 1_000)))).toBe(`${ErrorCode.AuthorizationResponse}:iss_mismatch`);
		expect(codeExchanges()).toBe(0);
		expect(other.counters().tokenRequests.authorization_code).toBe(0);
	});
});

describe('a code used twice', () => {
	it('-> LoginRequiredError "expired or already used"; the server revokes the first login, whose next call ends in LoginRequiredError too', async () => {
		const flow = createSqoweyFlow(emulator);
		const first = await startLogin(flow);
		await flow.handleCallback(first);
		// A second attempt (its own state and verifier) comes back with the first attempt's code.
		const replay = await startLogin(flow);
		replay.searchParams.set('code', first.searchParams.get('code')!);

		const outcome = await settle(flow.handleCallback(replay), 1_000);

		expect(outcomeName(outcome)).toBe(ErrorCode.LoginRequired);
		expect(rejection(outcome).message).toMatch(/expired or was already used: log in again/);
		expect(rejection(outcome).cause).toMatchObject({ code: ErrorCode.OAuth, error: 'invalid_grant' });
		expect(outcome.ms).toBeLessThan(500);
		expect(codeExchanges()).toBe(2);

		const api = createClient({ prefixUrl: `${emulator.url}/api/`, auth: flow.tokens, retry: 0 });
		const call = await settle(api.get('users/@me').json(), 2_000);
		expect(outcomeName(call)).toBe(ErrorCode.LoginRequired);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { refresh_token: 1 }, apiRequests: { total: 1, rejected: 1 } });
	});
});

describe('the code exchange meets a faulty token endpoint', () => {
	it('503 twice, then 200 -> logged in after 3 requests', async () => {
		const flow = createSqoweyFlow(emulator, FAST);
		const callback = await startLogin(flow);
		emulator.injectFault({ kind: 'status', status: 503 }, { times: 2 });
		const outcome = await settle(flow.handleCallback(callback), 2_000);
		expect(outcomeName(outcome)).toBe('success');
		expect(outcome.ms).toBeLessThan(1_000);
		expect(emulator.counters()).toMatchObject({ faultsServed: 2, tokenRequests: { authorization_code: 1 } });
	});

	it('a hang -> ERR_TIMEOUT after 3 attempts, within the bound; a new login then works', async () => {
		const flow = createSqoweyFlow(emulator, FAST);
		const callback = await startLogin(flow);
		emulator.injectFault({ kind: 'hang' });
		const outcome = await settle(flow.handleCallback(callback), 3_000);
		expect(outcomeName(outcome)).toBe(ErrorCode.Timeout);
		expect(outcome.ms).toBeGreaterThanOrEqual(3 * 200 - 10);
		expect(outcome.ms).toBeLessThan(1_500);
		expect(emulator.counters().faultsServed).toBe(3);
		emulator.clearFaults();
		await expect(login(flow)).resolves.toMatchObject({ tokenType: 'Bearer' });
	});

	it("a hang, and the caller aborts -> rejects with the caller's reason at once, 1 request", async () => {
		const flow = createSqoweyFlow(emulator, { ...FAST, timeout: 10_000 });
		const callback = await startLogin(flow);
		emulator.injectFault({ kind: 'hang' });
		const outcome = await settle(flow.handleCallback(callback, { signal: AbortSignal.timeout(50) }), 2_000);
		expect(outcomeName(outcome)).toBe('TimeoutError');
		expect(outcome.ms).toBeLessThan(500);
		expect(emulator.counters().faultsServed).toBe(1);
	});

	it('a DPoP token in the answer -> ERR_UNSUPPORTED_TOKEN_TYPE, nothing stored', async () => {
		const flow = createSqoweyFlow(emulator, FAST);
		const callback = await startLogin(flow);
		emulator.injectFault({ kind: 'token-response', body: { access_token: 'x', token_type: 'DPoP', expires_in: 3600 } }, { times: 1 });
		const outcome = await settle(flow.handleCallback(callback), 1_000);
		expect(outcomeName(outcome)).toBe(ErrorCode.UnsupportedTokenType);
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});
});
