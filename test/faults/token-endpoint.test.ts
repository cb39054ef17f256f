import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTokenManager, ErrorCode, squidex, type TokenManager, type TokenManagerOptions, type TokenSet } from '../../src/index.js';
import type { EmulatorControls, Fault, InjectFaultOptions } from '../../src/testing/index.js';
import { createClock } from '../_helpers/manager.js';
import { outcomeName, rejection, resolution, settle, type Outcome } from '../_helpers/outcome.js';
import { expectNoLeftoverResourcesAfterEachTest, watchTimers } from '../_helpers/resources.js';
import { transports, type Started } from '../_helpers/transports.js';

/**
 * The fault matrix at the token endpoint (rule 6): one row per fault the emulator can play, each with its exact
 * outcome (a success, or a typed error and its `code`), the exact number of requests the endpoint saw, and a bound
 * on time. Every row runs over both transports: the emulator on a loopback socket and the same emulator as msw
 * handlers. 3 attempts at most (2 retries, 5-20 ms backoff), 200 ms per attempt.
 */
const RETRY = { retries: 2, minTimeout: 5, maxTimeout: 20 };
const TIMEOUT = 200;
const TEN_YEARS_S = 10 * 365 * 24 * 3600;
/** Twice the most tokenkeeper reads of an answer (1 MiB). */
const TWO_MIB = 2 * 1024 * 1024;

interface Row {
	readonly name: string;
	readonly faults: ReadonlyArray<readonly [Fault, InjectFaultOptions?]>;
	readonly outcome: 'success' | ErrorCode;
	/** Requests that reached the token endpoint: faults served plus normal answers. */
	readonly requests: number;
	/** The outcome arrives within this many ms (and, with `atLeast`, not before). */
	readonly within: number;
	readonly atLeast?: number;
	readonly options?: Partial<TokenManagerOptions>;
	/** More about the outcome: the error's fields or the token's expiry. */
	readonly alsoCheck?: (outcome: Outcome<TokenSet>, context: RowContext) => void | Promise<void>;
}

interface RowContext {
	readonly manager: TokenManager;
	readonly clock: ReturnType<typeof createClock>;
	requests(): number;
	/** The timers tokenkeeper armed since before the row's first token request, still pending once they settle. */
	timers(): Promise<string[]>;
}

const token = (body: Record<string, unknown>): Fault => ({ kind: 'token-response', body });
const bearer = (extra: Record<string, unknown>) => token({ access_token: 'AT-from-fault', token_type: 'Bearer', ...extra });

const rows: Row[] = [
	{
		name: '503 twice, then 200',
		faults: [[{ kind: 'status', status: 503 }, { times: 2 }]],
		outcome: 'success',
		requests: 3,
		within: 1_000,
	},
	{
		name: '503 for good',
		faults: [[{ kind: 'status', status: 503 }]],
		outcome: ErrorCode.TokenResponse,
		requests: 3,
		within: 1_000,
		alsoCheck: (outcome) => {
			expect(rejection(outcome)).toMatchObject({ status: 503, message: expect.stringContaining('(3 attempts)') });
		},
	},
	{
		name: '429 with Retry-After: 1, then 200',
		faults: [[{ kind: 'status', status: 429, retryAfter: 1 }, { times: 1 }]],
		outcome: 'success',
		requests: 2,
		atLeast: 990,
		within: 2_500,
	},
	{
		name: '429 with Retry-After: 120, beyond maxRetryAfter (1 s): no wait, no retry',
		faults: [[{ kind: 'status', status: 429, retryAfter: 120 }]],
		options: { retry: { ...RETRY, maxRetryAfter: 1_000 } },
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome)).toMatchObject({ status: 429 }),
	},
	{ name: 'connection reset once, then 200', faults: [[{ kind: 'reset' }, { times: 1 }]], outcome: 'success', requests: 2, within: 1_000 },
	{
		name: 'connection reset for good',
		faults: [[{ kind: 'reset' }]],
		outcome: ErrorCode.Network,
		requests: 3,
		within: 1_000,
		alsoCheck: (outcome) => expect(rejection(outcome)).toMatchObject({ name: 'NetworkError', attempts: 3 }),
	},
	{
		name: 'a hang: each attempt times out',
		faults: [[{ kind: 'hang' }]],
		outcome: ErrorCode.Timeout,
		requests: 3,
		atLeast: 3 * TIMEOUT - 10,
		within: 3 * TIMEOUT + 800,
		alsoCheck: (outcome) =>
			expect(rejection(outcome)).toMatchObject({ name: 'NetworkError', attempts: 3, message: expect.stringContaining('timeout') }),
	},
	{
		name: 'a hang once, then 200',
		faults: [[{ kind: 'hang' }, { times: 1 }]],
		outcome: 'success',
		requests: 2,
		atLeast: TIMEOUT - 10,
		within: TIMEOUT + 800,
	},
	{
		name: 'an HTML page with 200 (a captive portal): not retried',
		faults: [[{ kind: 'html', status: 200 }]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => {
			const error = rejection(outcome);
			expect(error).toMatchObject({ status: 200 });
			expect(error.message).toContain('text/html');
			expect(error.message).not.toContain('<html');
		},
	},
	{
		name: 'an HTML page with 502 once, then 200',
		faults: [[{ kind: 'html', status: 502 }, { times: 1 }]],
		outcome: 'success',
		requests: 2,
		within: 1_000,
	},
	{
		name: 'an HTML page with 502 for good',
		faults: [[{ kind: 'html', status: 502 }]],
		outcome: ErrorCode.TokenResponse,
		requests: 3,
		within: 1_000,
		alsoCheck: (outcome) => expect(rejection(outcome)).toMatchObject({ status: 502, message: expect.stringContaining('text/html') }),
	},
	{
		name: 'invalid JSON with 200: not retried',
		faults: [[{ kind: 'invalid-json' }]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toContain('not valid JSON'),
	},
	{
		name: 'a 200 token response of 2 MiB (a runaway id_token): too large, not retried',
		faults: [[bearer({ expires_in: 3600, id_token: 'x'.repeat(TWO_MIB) })]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 1_000,
		alsoCheck: (outcome) =>
			expect(rejection(outcome)).toMatchObject({ status: 200, message: expect.stringContaining('too large (more than 1 MiB') }),
	},
	{
		name: 'a 503 with a 2 MiB page: too large, not retried (a server that sent it once will again)',
		faults: [[{ kind: 'status', status: 503, body: 'x'.repeat(TWO_MIB), contentType: 'text/html' }]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 1_000,
		alsoCheck: (outcome) =>
			expect(rejection(outcome)).toMatchObject({ status: 503, message: expect.stringContaining('too large (more than 1 MiB') }),
	},
	{
		name: '200 without access_token',
		faults: [[token({ token_type: 'Bearer', expires_in: 3600 })]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toContain('access_token'),
	},
	{
		name: 'expires_in negative (-5)',
		faults: [[bearer({ expires_in: -5 })]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toContain('expires_in'),
	},
	{
		name: 'expires_in zero: usable once, never cached, one request per call (single flight still holds)',
		faults: [[bearer({ expires_in: 0 })]],
		outcome: 'success',
		requests: 1,
		within: 500,
		alsoCheck: async (outcome, { manager, clock, requests }) => {
			expect(resolution(outcome)).toMatchObject({ accessToken: 'AT-from-fault', expiresAt: clock.now() });
			const burst = await Promise.all(Array.from({ length: 20 }, () => manager.getToken()));
			expect(new Set(burst.map((t) => t.accessToken)).size).toBe(1);
			expect(requests()).toBe(2);
			await manager.getToken();
			expect(requests()).toBe(3);
		},
	},
	{
		name: 'expires_in huge (10 years): cached for 10 years, no timer armed',
		faults: [[bearer({ expires_in: TEN_YEARS_S }), { times: 1 }]],
		// Caching alone, to the last fresh millisecond: refresh-ahead would start its refresh 30 s earlier.
		options: { refreshAhead: 0 },
		outcome: 'success',
		requests: 1,
		within: 500,
		alsoCheck: async (outcome, { manager, clock, requests, timers }) => {
			expect(resolution(outcome).expiresAt).toBe(clock.now() + TEN_YEARS_S * 1000);
			for (let i = 0; i < 1_000; i++) await manager.getToken();
			clock.advance(TEN_YEARS_S * 1000 - 31_000);
			await manager.getToken();
			// Watched since before the token request: a refresh timer armed when the token arrived is seen, unref'd or not.
			expect(await timers()).toEqual([]);
			expect(requests()).toBe(1);
			clock.advance(2_000);
			await manager.getToken();
			expect(requests()).toBe(2);
		},
	},
	{
		name: 'expires_in beyond any date (1e300 s): refused, not a token set that cannot print its expiry',
		faults: [[bearer({ expires_in: 1e300 })]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toContain('expires_in'),
	},
	{
		name: 'expires_in as a string of digits ("3600"): accepted as 3600 s',
		faults: [[bearer({ expires_in: '3600' }), { times: 1 }]],
		outcome: 'success',
		requests: 1,
		within: 500,
		alsoCheck: (outcome, { clock }) => expect(resolution(outcome).expiresAt).toBe(clock.now() + 3_600_000),
	},
	{
		name: 'expires_in as a word ("soon")',
		faults: [[bearer({ expires_in: 'soon' })]],
		outcome: ErrorCode.TokenResponse,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toContain('expires_in'),
	},
	{
		name: 'expires_in missing: kept until rejected, a year later too',
		faults: [[bearer({}), { times: 1 }]],
		outcome: 'success',
		requests: 1,
		within: 500,
		alsoCheck: async (outcome, { manager, clock, requests }) => {
			expect(resolution(outcome).expiresAt).toBeUndefined();
			clock.advance(365 * 24 * 3600_000);
			expect((await manager.getToken()).accessToken).toBe('AT-from-fault');
			expect(requests()).toBe(1);
			expect(await manager.invalidate('AT-from-fault')).toBe(true);
			await manager.getToken();
			expect(requests()).toBe(2);
		},
	},
	{
		name: 'token_type DPoP without `dpop`: a clear "unsupported" error saying to set `dpop`, not retried',
		faults: [[bearer({ token_type: 'DPoP', expires_in: 3600 })]],
		outcome: ErrorCode.UnsupportedTokenType,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toMatch(/"DPoP" token, which is unsupported: set the `dpop` option/),
	},
	{
		name: 'token_type MAC: a clear "unsupported" error, not retried',
		faults: [[bearer({ token_type: 'MAC', expires_in: 3600, mac_key: 'k', mac_algorithm: 'hmac-sha-256' })]],
		outcome: ErrorCode.UnsupportedTokenType,
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(rejection(outcome).message).toMatch(/"MAC" token, which is unsupported/),
	},
	{
		name: 'token_type "bearer" in lower case: normalised to Bearer',
		faults: [[bearer({ token_type: 'bearer', expires_in: 3600 }), { times: 1 }]],
		outcome: 'success',
		requests: 1,
		within: 500,
		alsoCheck: (outcome) => expect(resolution(outcome).tokenType).toBe('Bearer'),
	},
];

expectNoLeftoverResourcesAfterEachTest();

describe.each(transports)('token endpoint faults over $name', (transport) => {
	let started: Started;
	let emulator: EmulatorControls;
	beforeAll(async () => {
		started = await transport.start();
		emulator = started.emulator;
	});
	afterAll(() => started.stop());
	afterEach(() => {
		emulator.clearFaults();
		emulator.resetCounters();
	});

	const requests = () => emulator.counters().faultsServed + emulator.counters().tokenRequests.total;

	function createManager(options: Partial<TokenManagerOptions> = {}) {
		const clock = createClock();
		const { url, clientId, clientSecret } = emulator.credentials.squidex;
		const manager = createTokenManager(squidex({ url, clientId, clientSecret }), {
			retry: RETRY,
			timeout: TIMEOUT,
			now: clock.now,
			...options,
		});
		const errors: unknown[] = [];
		manager.on('error', ({ error }) => errors.push(error));
		return { manager, clock, errors };
	}

	it.each(rows)('$name -> $outcome after $requests request(s)', async (row) => {
		const { manager, clock, errors } = createManager(row.options);
		for (const [fault, options] of row.faults) emulator.injectFault(fault, options);
		const watch = watchTimers();
		onTestFinished(() => watch.stop());

		const outcome = await settle(manager.getToken(), row.within + 2_000);

		expect(outcomeName(outcome)).toBe(row.outcome);
		expect(requests()).toBe(row.requests);
		expect(outcome.ms).toBeLessThan(row.within);
		if (row.atLeast !== undefined) expect(outcome.ms).toBeGreaterThanOrEqual(row.atLeast);
		expect(errors).toHaveLength(row.outcome === 'success' ? 0 : 1);
		await row.alsoCheck?.(outcome, { manager, clock, requests, timers: () => watch.settled() });

		if (row.outcome !== 'success') {
			// A failed token request leaves nothing broken behind: once the fault is gone, one request recovers.
			emulator.clearFaults();
			const before = requests();
			expect((await settle(manager.getToken(), 2_000)).state).toBe('resolved');
			expect(requests()).toBe(before + 1);
		}
	});

	it("a hang, and the caller aborts: rejects with the caller's reason at once; the shared request runs on and serves the next caller", async () => {
		const { manager, errors } = createManager({ timeout: 300, retry: { ...RETRY, retries: 1 } });
		emulator.injectFault({ kind: 'hang' }, { times: 1 });
		const controller = new AbortController();
		const aborted = settle(manager.getToken({ signal: controller.signal }), 2_000);
		setTimeout(() => controller.abort(new Error('the caller gave up')), 50);
		const outcome = await aborted;

		expect(rejection(outcome).message).toBe('the caller gave up');
		expect(outcome.ms).toBeLessThan(400);
		expect(requests()).toBe(1);
		// The caller's signal stops the caller, not the request others may share: the next caller joins it, and
		// gets the token once the hung attempt times out (300 ms) and the retry succeeds.
		const next = await settle(manager.getToken(), 2_000);
		expect(outcomeName(next)).toBe('success');
		expect(next.ms).toBeLessThan(1_000);
		expect(requests()).toBe(2);
		expect(errors).toHaveLength(0);
	});

	it('a hang, and the caller aborts while a patient caller waits: only the impatient one stops', async () => {
		const { manager } = createManager({ timeout: 300, retry: 1 });
		emulator.injectFault({ kind: 'hang' }, { times: 1 });
		const impatient = settle(manager.getToken({ signal: AbortSignal.timeout(50) }), 2_000);
		const patient = settle(manager.getToken(), 3_000);

		expect(outcomeName(await impatient)).toBe('TimeoutError');
		const waited = await patient;
		expect(outcomeName(waited)).toBe('success');
		expect(waited.ms).toBeLessThan(1_500);
		// One attempt hung until the 300 ms timeout; the retry got the token.
		expect(requests()).toBe(2);
	});
});
