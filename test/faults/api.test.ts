import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authFetch, createClient, createTokenManager, dotkernel, ErrorCode, squidex, type TokenManager } from '../../src/index.js';
import { errorName, outcomeName, rejection, resolution, settle } from '../_helpers/outcome.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';
import { useEmulator } from '../_helpers/emulator.js';

/**
 * The API side under hostile conditions (rules 5, 7 and 10): what the API answers, and what the client does about
 * it, counted at the emulator. API requests = faults served there + requests its resources answered.
 */
const FAST = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 300 } as const;

const emulator = useEmulator();
expectNoLeftoverResourcesAfterEachTest();

const counts = () => {
	const { faultsServed, apiRequests, tokenRequests } = emulator().counters();
	return { api: faultsServed + apiRequests.total, token: tokenRequests.total };
};

function squidexManager(): TokenManager {
	return createTokenManager(squidex(emulator().credentials.squidex), FAST);
}

function dotkernelManager(): TokenManager {
	const { url, clientId, clientSecret, username, password } = emulator().credentials.dotkernel;
	return createTokenManager(dotkernel({ url, clientId, clientSecret, credentials: async () => ({ username, password }) }), FAST);
}

/** ky, with ky's own retries off so that every API request counted is one of ours. */
const squidexApi = (auth: TokenManager = squidexManager(), throwHttpErrors = false) =>
	createClient({ prefixUrl: `${emulator().url}/api/`, auth, retry: 0, throwHttpErrors });

const SCHEMAS = 'apps/food-crunch/schemas';

describe('rejections: one new token, one retry, then the answer as is', () => {
	it('401 twice -> the second 401 is returned as is: 2 API requests, 2 token requests (ky)', async () => {
		const api = squidexApi();
		emulator().injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 2 });
		const outcome = await settle(api.get(SCHEMAS), 2_000);
		expect(resolution(outcome).status).toBe(401);
		expect(outcome.ms).toBeLessThan(500);
		expect(counts()).toEqual({ api: 2, token: 2 });
	});

	it('401 twice -> the second 401 is returned as is: 2 API requests, 2 token requests (authFetch)', async () => {
		const fetchWithToken = authFetch({ auth: squidexManager(), allowedOrigins: [emulator().url] });
		emulator().injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 2 });
		const response = resolution(await settle(fetchWithToken(`${emulator().url}/api/${SCHEMAS}`), 2_000));
		expect(response.status).toBe(401);
		expect(counts()).toEqual({ api: 2, token: 2 });
	});

	it("401 twice with throwHttpErrors -> ky's HTTPError for 401, still 2 API requests", async () => {
		emulator().injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 2 });
		const outcome = await settle(squidexApi(squidexManager(), true).get(SCHEMAS), 2_000);
		expect(rejection(outcome)).toMatchObject({ name: 'HTTPError', response: { status: 401 } });
		expect(counts()).toEqual({ api: 2, token: 2 });
	});

	it('401 once -> success after 2 API requests and 2 token requests', async () => {
		emulator().injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 1 });
		const response = resolution(await settle(squidexApi().get(SCHEMAS), 2_000));
		expect(response.status).toBe(200);
		expect(counts()).toEqual({ api: 2, token: 2 });
	});

	it('401 on every request, 20 concurrent calls -> 40 API requests and 2 token requests: no storm', async () => {
		const api = squidexApi();
		emulator().injectFault({ kind: 'status', status: 401 }, { target: 'api' });
		const outcomes = await Promise.all(Array.from({ length: 20 }, () => settle(api.get(SCHEMAS), 3_000)));
		expect(outcomes.map((outcome) => resolution(outcome).status)).toEqual(Array(20).fill(401));
		expect(counts()).toEqual({ api: 40, token: 2 });
	});

	it('Dotkernel 403 twice -> one refresh, the second 403 returned as is', async () => {
		const auth = dotkernelManager();
		await auth.getToken();
		emulator().resetCounters();
		emulator().injectFault(
			{
				kind: 'status',
				status: 403,
				body: '{"error":{"messages":["You are not allowed to access this resource."]}}',
				contentType: 'application/json',
			},
			{ target: 'api', times: 2 },
		);
		const api = createClient({ prefixUrl: `${emulator().url}/`, auth, retry: 0, throwHttpErrors: false });
		const response = resolution(await settle(api.get('user/my-account'), 2_000));
		expect(response.status).toBe(403);
		expect(emulator().counters()).toMatchObject({ faultsServed: 2, tokenRequests: { refresh_token: 1, password: 0 } });
	});
});

describe('other failures of the API are not token rejections', () => {
	it('503 -> returned as is, the token kept: 1 API request, 1 token request', async () => {
		const api = squidexApi();
		emulator().injectFault({ kind: 'status', status: 503 }, { target: 'api', times: 1 });
		expect(resolution(await settle(api.get(SCHEMAS), 2_000)).status).toBe(503);
		expect((await api.get(SCHEMAS)).status).toBe(200);
		expect(counts()).toEqual({ api: 2, token: 1 });
	});

	it('connection reset -> the network error surfaces, the token is kept: 1 API request, 1 token request', async () => {
		const api = squidexApi();
		emulator().injectFault({ kind: 'reset' }, { target: 'api', times: 1 });
		const outcome = await settle(api.get(SCHEMAS), 2_000);
		expect(errorName(rejection(outcome))).toBe('TypeError');
		expect((await api.get(SCHEMAS)).status).toBe(200);
		expect(counts()).toEqual({ api: 2, token: 1 });
	});

	it("a hang, and the caller aborts -> rejects with the caller's reason at once; the token is kept", async () => {
		const api = squidexApi();
		emulator().injectFault({ kind: 'hang' }, { target: 'api', times: 1 });
		const outcome = await settle(api.get(SCHEMAS, { signal: AbortSignal.timeout(100), timeout: false }), 2_000);
		expect(outcomeName(outcome)).toBe('TimeoutError');
		expect(outcome.ms).toBeLessThan(600);
		expect((await api.get(SCHEMAS)).status).toBe(200);
		expect(counts()).toEqual({ api: 2, token: 1 });
	});
});

describe('a request body that is a stream', () => {
	const stream = () =>
		new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('{"streamed":true}'));
				controller.close();
			},
		});

	it('rejected -> ERR_NOT_REPLAYABLE saying why, 1 API request; the next request gets a new token (ky)', async () => {
		const auth = squidexManager();
		const api = squidexApi(auth);
		await api.get(SCHEMAS);
		emulator().revokeAllTokens();
		const outcome = await settle(api.post('upload', { body: stream(), headers: { 'content-type': 'application/json' } }), 2_000);
		const error = rejection(outcome);
		expect(errorName(error)).toBe(ErrorCode.NotReplayable);
		expect(error).toMatchObject({ status: 401, message: expect.stringMatching(/not retried because its body is a stream/) });
		expect(counts()).toEqual({ api: 2, token: 1 });
		expect((await api.get(SCHEMAS)).status).toBe(200);
		expect(counts()).toEqual({ api: 3, token: 2 });
	});

	it('rejected -> ERR_NOT_REPLAYABLE, 1 API request (authFetch)', async () => {
		const fetchWithToken = authFetch({ auth: squidexManager(), allowedOrigins: [emulator().url] });
		emulator().injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 1 });
		const outcome = await settle(
			fetchWithToken(`${emulator().url}/api/upload`, { method: 'POST', body: stream(), duplex: 'half' } as RequestInit),
			2_000,
		);
		expect(errorName(rejection(outcome))).toBe(ErrorCode.NotReplayable);
		expect(counts()).toEqual({ api: 1, token: 1 });
	});

	it('accepted -> sent once, as is', async () => {
		const api = squidexApi();
		const response = resolution(
			await settle(api.post('upload', { body: stream(), headers: { 'content-type': 'application/json' } }), 2_000),
		);
		expect(await response.json()).toMatchObject({ ok: true, received: '{"streamed":true}' });
		expect(counts()).toEqual({ api: 1, token: 1 });
	});
});

describe('a redirect from the API to another origin', () => {
	/** A second loopback origin (another port): records what reaches it and answers `status`. */
	let foreign: http.Server;
	let foreignUrl = '';
	let foreignStatus = 401;
	const seenByForeign: Array<string | undefined> = [];
	/** An API origin that the client trusts, which redirects every request to the foreign origin. */
	let redirector: http.Server;
	let redirectorUrl = '';
	let redirects = 0;

	const listen = async (server: http.Server) => {
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	};

	beforeAll(async () => {
		foreign = http.createServer((request, response) => {
			seenByForeign.push(request.headers.authorization);
			response.writeHead(foreignStatus, { 'content-type': 'application/json', connection: 'close' }).end('{"foreign":true}');
		});
		foreignUrl = await listen(foreign);
		redirector = http.createServer((_request, response) => {
			redirects += 1;
			response.writeHead(302, { location: `${foreignUrl}/landing`, connection: 'close' }).end();
		});
		redirectorUrl = await listen(redirector);
	});
	afterAll(async () => {
		await new Promise<void>((resolve) => foreign.close(() => resolve()));
		await new Promise<void>((resolve) => redirector.close(() => resolve()));
	});
	afterEach(() => {
		seenByForeign.length = 0;
		redirects = 0;
		foreignStatus = 401;
	});

	it('the token is not forwarded (ky); the foreign 401 is returned as is and costs no token', async () => {
		const auth = squidexManager();
		const api = createClient({ prefixUrl: `${redirectorUrl}/`, auth, retry: 0, throwHttpErrors: false });
		const response = resolution(await settle(api.get('download'), 2_000));
		expect(response.status).toBe(401);
		expect(seenByForeign).toEqual([undefined]);
		expect(redirects).toBe(1);
		expect(counts().token).toBe(1);
	});

	it('the token is not forwarded (authFetch); a foreign 403 on a [401, 403] provider is returned as is and costs no token', async () => {
		foreignStatus = 403;
		const auth = dotkernelManager();
		const fetchWithToken = authFetch({ auth, allowedOrigins: [redirectorUrl] });
		for (let call = 0; call < 3; call++) expect((await fetchWithToken(`${redirectorUrl}/download`)).status).toBe(403);
		expect(seenByForeign).toEqual([undefined, undefined, undefined]);
		expect(redirects).toBe(3);
		expect(emulator().counters().tokenRequests).toMatchObject({ password: 1, refresh_token: 0 });
	});
});
