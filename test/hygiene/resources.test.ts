import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { authFetch, createClient, createTokenManager, dotkernel, oauth2, squidex, type TokenManager } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { settle } from '../_helpers/outcome.js';
import {
	abortListeners,
	activeResources,
	collectGarbage,
	leftovers,
	none,
	resourcesAfterSettling,
	SOCKETS,
	TIMERS,
} from '../_helpers/resources.js';
import { createSqoweyFlow, login } from '../_helpers/sqowey-flow.js';

/**
 * Resource hygiene: after a scenario, nothing tokenkeeper started is still running (no timer, immediate, socket or
 * server keeps the process alive, as why-is-node-running would report), and aborted calls leave no listener on the
 * callers' signals. Each scenario starts its own emulator and closes it; the counts are taken inside the test body,
 * so the runner's own timers are in both.
 */
const TYPES = [...TIMERS, ...SOCKETS];
/** A 3 s timeout, longer than the 1 s the check waits: a timer left armed by a finished request is caught. */
const FAST = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 3_000 } as const;
const HANG_TIMEOUT = { timeout: 200 } as const;

interface Scenario {
	readonly name: string;
	run(emulator: Emulator): Promise<void>;
}

const squidexManager = (emulator: Emulator, options: object = {}) =>
	createTokenManager(squidex(emulator.credentials.squidex), { ...FAST, ...options });
const squidexApi = (emulator: Emulator, auth: TokenManager = squidexManager(emulator)) =>
	createClient({ prefixUrl: `${emulator.url}/api/`, auth, retry: 0, throwHttpErrors: false });
const SCHEMAS = 'apps/food-crunch/schemas';
const stream = () =>
	new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(new TextEncoder().encode('{}'));
			controller.close();
		},
	});

const scenarios: Scenario[] = [
	{
		name: '200 concurrent calls on a cold cache',
		run: async (emulator) => {
			const api = squidexApi(emulator);
			await Promise.all(Array.from({ length: 200 }, () => api.get(SCHEMAS).json()));
		},
	},
	{
		name: 'token endpoint 503 twice, then 200 (backoff timers)',
		run: async (emulator) => {
			emulator.injectFault({ kind: 'status', status: 503 }, { times: 2 });
			await squidexManager(emulator).getToken();
		},
	},
	{
		name: 'token endpoint 429 with Retry-After: 1 (the wait is a timer)',
		run: async (emulator) => {
			emulator.injectFault({ kind: 'status', status: 429, retryAfter: 1 }, { times: 1 });
			await squidexManager(emulator).getToken();
		},
	},
	{
		name: 'token endpoint hangs: every attempt times out',
		run: async (emulator) => {
			emulator.injectFault({ kind: 'hang' });
			await expect(squidexManager(emulator, HANG_TIMEOUT).getToken()).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
		},
	},
	{
		name: 'token endpoint hangs, the caller aborts and leaves (the shared request ends on its own)',
		run: async (emulator) => {
			emulator.injectFault({ kind: 'hang' });
			await expect(
				squidexManager(emulator, { ...HANG_TIMEOUT, retry: 0 }).getToken({ signal: AbortSignal.timeout(20) }),
			).rejects.toMatchObject({ name: 'TimeoutError' });
		},
	},
	{
		name: 'token endpoint resets the connection',
		run: async (emulator) => {
			emulator.injectFault({ kind: 'reset' });
			await expect(squidexManager(emulator).getToken()).rejects.toMatchObject({ code: 'ERR_NETWORK' });
		},
	},
	{
		name: 'API answers 401 twice; a stream body is rejected',
		run: async (emulator) => {
			const api = squidexApi(emulator);
			emulator.injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 2 });
			expect((await api.get(SCHEMAS)).status).toBe(401);
			emulator.revokeAllTokens();
			await expect(api.post('upload', { body: stream() })).rejects.toMatchObject({ code: 'ERR_NOT_REPLAYABLE' });
		},
	},
	{
		name: "API hangs; ky's own timeout ends the call",
		run: async (emulator) => {
			emulator.injectFault({ kind: 'hang' }, { target: 'api' });
			await expect(
				createClient({ prefixUrl: `${emulator.url}/api/`, auth: squidexManager(emulator), retry: 0, timeout: 100 }).get(SCHEMAS),
			).rejects.toMatchObject({
				name: 'TimeoutError',
			});
		},
	},
	{
		name: 'API redirects to another origin',
		run: async (emulator) => {
			const other = http.createServer((_request, response) => response.writeHead(401, { connection: 'close' }).end());
			await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
			const redirector = http.createServer((_request, response) =>
				response.writeHead(302, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/`, connection: 'close' }).end(),
			);
			await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
			try {
				const fetchWithToken = authFetch({
					auth: squidexManager(emulator),
					allowedOrigins: [`http://127.0.0.1:${(redirector.address() as AddressInfo).port}`],
				});
				expect((await fetchWithToken(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/x`)).status).toBe(401);
			} finally {
				await new Promise((resolve) => other.close(resolve));
				await new Promise((resolve) => redirector.close(resolve));
			}
		},
	},
	{
		name: 'Dotkernel: expiry, 50 calls, one refresh; reuse by a second holder, fallback to the password grant',
		run: async (emulator) => {
			const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
			const provider = dotkernel({ url, clientId, clientSecret, credentials: async () => ({ username, password }) });
			const first = createTokenManager(provider, FAST);
			const api = createClient({ prefixUrl: `${url}/`, auth: first, retry: 0 });
			await api.get('user/my-account');
			emulator.expireAllTokens();
			await Promise.all(Array.from({ length: 50 }, () => api.get('user/my-account').json()));
			const second = createTokenManager(provider, FAST);
			await second.setTokens(await first.getToken());
			await first.getToken({ forceRefresh: true });
			await second.getToken({ forceRefresh: true });
		},
	},
	{
		name: 'Sqowey: login, refresh after expiry, logout with revocation',
		run: async (emulator) => {
			const flow = createSqoweyFlow(emulator, FAST);
			await login(flow);
			emulator.expireAllTokens();
			await createClient({ prefixUrl: `${emulator.url}/api/`, auth: flow.tokens, retry: 0 })
				.get('users/@me')
				.json();
			expect(await flow.logout()).toEqual({ revoked: true, errors: [] });
		},
	},
];

describe('nothing left running after a scenario', () => {
	it.each(scenarios)('$name: no timer, immediate, socket or server left once the emulator is closed', async (scenario) => {
		const baseline = activeResources(TYPES);
		const emulator = await createEmulator();
		try {
			const outcome = await settle(scenario.run(emulator), 8_000);
			expect(outcome.state === 'rejected' ? outcome.error : outcome.state).toBe('resolved');
		} finally {
			await emulator.close();
		}
		expect(leftovers(baseline, await resourcesAfterSettling(baseline, 1_000))).toEqual(none(TYPES));
	});
});

describe("10 000 calls and the callers' signals", () => {
	const N = 10_000;
	/** Generous bounds: 10 000 calls share the CPU with the other test files; a hang still fails, just later. */
	const BOUND = 30_000;
	const SLOW = { timeout: 60_000 };

	/** A token endpoint that answers only when told to, or never (until its caller aborts). */
	function heldTokenEndpoint() {
		let requests = 0;
		let release: (() => void) | undefined;
		const fetchToken: typeof fetch = async (_input, init) => {
			requests += 1;
			await new Promise<void>((resolve, reject) => {
				release = resolve;
				if (init?.signal?.aborted) reject(init.signal.reason);
				else init?.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true });
			});
			return Response.json({ access_token: 'AT-held', token_type: 'Bearer', expires_in: 3600 });
		};
		return { fetchToken, requests: () => requests, release: () => release?.() };
	}

	const provider = () =>
		oauth2({ tokenEndpoint: 'https://auth.test/token', clientId: 'c', clientSecret: 'not-a-real-secret', clientAuth: 'body' });

	it(
		`${N} getToken calls, each aborted by its own signal while the token request hangs: all reject with their reason, 0 listeners left, 1 token request`,
		SLOW,
		async () => {
			const baseline = activeResources(TIMERS);
			const endpoint = heldTokenEndpoint();
			const manager = createTokenManager(provider(), { fetch: endpoint.fetchToken, retry: 0, timeout: BOUND });
			const app = new AbortController();
			const callers = Array.from({ length: N }, () => {
				const own = new AbortController();
				return { own, signal: AbortSignal.any([app.signal, own.signal]) };
			});
			const calls = callers.map(({ signal }) => settle(manager.getToken({ signal }), BOUND));
			await new Promise((resolve) => setImmediate(resolve));
			expect(callers.filter(({ signal }) => abortListeners(signal) === 1)).toHaveLength(N);

			for (const [index, { own }] of callers.entries()) own.abort(new Error(`caller ${index} gave up`));
			const outcomes = await Promise.all(calls);

			expect(
				outcomes.filter((outcome, index) => outcome.state === 'rejected' && (outcome.error as Error).message === `caller ${index} gave up`),
			).toHaveLength(N);
			expect(outcomes.every((outcome) => outcome.ms < BOUND)).toBe(true);
			expect(callers.reduce((sum, { own, signal }) => sum + abortListeners(own.signal) + abortListeners(signal), 0)).toBe(0);
			expect(abortListeners(app.signal)).toBe(0);
			expect(endpoint.requests()).toBe(1);
			// The request they all gave up on is not theirs to stop: a patient caller still gets its answer.
			const patient = manager.getToken();
			endpoint.release();
			await expect(patient).resolves.toMatchObject({ accessToken: 'AT-held' });
			expect(endpoint.requests()).toBe(1);
			expect(leftovers(baseline, await resourcesAfterSettling(baseline))).toEqual(none(TIMERS));
		},
	);

	it(
		`${N} authFetch and ${N} ky calls, each aborted by its own signal while the API hangs: all reject, 0 listeners left on the callers' signals`,
		SLOW,
		async () => {
			const baseline = activeResources(TIMERS);
			const manager = createTokenManager(provider(), {
				fetch: async () => Response.json({ access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600 }),
			});
			let apiRequests = 0;
			const hangingApi: typeof fetch = (input, init) => {
				apiRequests += 1;
				const signal = init?.signal ?? (input as Request).signal;
				return new Promise((_, reject) => {
					if (signal.aborted) reject(signal.reason);
					else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
				});
			};
			const fetchWithToken = authFetch({ auth: manager, allowedOrigins: ['https://api.test'], fetch: hangingApi });
			const api = createClient({ prefixUrl: 'https://api.test/', auth: manager, fetch: hangingApi, retry: 0 });
			await manager.getToken();

			for (const send of [
				(signal: AbortSignal) => fetchWithToken('https://api.test/x', { signal }),
				(signal: AbortSignal) => api.get('x', { signal }),
			]) {
				const app = new AbortController();
				const callers = Array.from({ length: N }, () => {
					const own = new AbortController();
					return { own, signal: AbortSignal.any([app.signal, own.signal]) };
				});
				const calls = callers.map(({ signal }) => settle(send(signal), BOUND));
				await new Promise((resolve) => setTimeout(resolve, 20));
				for (const { own } of callers) own.abort(new Error('gave up'));
				const outcomes = await Promise.all(calls);

				expect(outcomes.filter((outcome) => outcome.state === 'rejected')).toHaveLength(N);
				expect(callers.reduce((sum, { own, signal }) => sum + abortListeners(own.signal) + abortListeners(signal), 0)).toBe(0);
				expect(abortListeners(app.signal)).toBe(0);
			}
			expect(apiRequests).toBe(2 * N);
			expect(leftovers(baseline, await resourcesAfterSettling(baseline))).toEqual(none(TIMERS));
		},
	);

	it(
		`${N} calls that complete, sharing one long-lived signal: getToken and ky leave 0 listeners; authFetch 0 once its Requests are collected`,
		SLOW,
		async () => {
			const manager = createTokenManager(provider(), {
				fetch: async () => Response.json({ access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600 }),
			});
			const okApi: typeof fetch = async () => new Response('{}', { status: 200 });
			const app = new AbortController();
			// undici's Request keeps a listener on the signal it was given until the Request is garbage collected (it
			// holds only a weak reference): allow that many without Node's "possible leak" warning, then collect.
			setMaxListeners(0, app.signal);

			await Promise.all(Array.from({ length: N }, () => manager.getToken({ signal: app.signal })));
			expect(abortListeners(app.signal)).toBe(0);

			const api = createClient({ prefixUrl: 'https://api.test/', auth: manager, fetch: okApi, retry: 0 });
			await Promise.all(Array.from({ length: N }, () => api.get('x', { signal: app.signal }).text()));
			expect(abortListeners(app.signal)).toBe(0);

			const fetchWithToken = authFetch({ auth: manager, allowedOrigins: ['https://api.test'], fetch: okApi });
			await Promise.all(
				Array.from({ length: N }, () => fetchWithToken('https://api.test/x', { signal: app.signal }).then((response) => response.text())),
			);
			await collectGarbage();
			expect(abortListeners(app.signal)).toBe(0);
		},
	);
});
