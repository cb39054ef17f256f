import { http, HttpResponse, delay } from 'msw';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { authFetch, createClient, createTokenManager, ErrorCode, isTokenkeeperError } from '../../src/index.js';
import { FAST, testProvider } from '../_helpers/manager.js';
import { API_URL, createRevocableTokens, startMockServer } from '../_helpers/token-server.js';

const { endpoint, accepted, isAccepted, issueAccepted, reset } = createRevocableTokens();
/** What the API saw: one entry per request, with its Authorization header. */
const apiSeen: Array<{ url: string; authorization: string | null; body: string; headers: string[] }> = [];
let rejectionStatus = 401;

const api = http.all(`${API_URL}/*`, async ({ request }) => {
	const authorization = request.headers.get('authorization');
	apiSeen.push({ url: request.url, authorization, body: await request.text(), headers: [...request.headers.keys()] });
	// `accepted` is emptied to simulate a server-side revocation.
	if (!isAccepted(authorization)) return new HttpResponse(null, { status: rejectionStatus });
	return HttpResponse.json({ ok: true });
});
const elsewhere = http.all('https://elsewhere.test/*', ({ request }) => {
	apiSeen.push({ url: request.url, authorization: request.headers.get('authorization'), body: '', headers: [] });
	return HttpResponse.json({ elsewhere: true });
});
const server = startMockServer(endpoint.handler, api, elsewhere);
afterAll(() => server.close());

beforeEach(() => {
	reset();
	apiSeen.length = 0;
	rejectionStatus = 401;
});

function client(options: Partial<Parameters<typeof createClient>[0]> = {}) {
	return createClient({ prefixUrl: `${API_URL}/v1/`, auth: createTokenManager(testProvider(), FAST), ...options });
}

describe('rule 5: retry once', () => {
	it('a rejected token gets one new token and the request is retried once', async () => {
		const api = client();
		await api.get('things').json();
		accepted.clear();
		expect(await api.get('things').json()).toEqual({ ok: true });
		expect(endpoint.seen).toHaveLength(2);
		expect(apiSeen.map((r) => r.authorization)).toEqual(['Bearer access-1', 'Bearer access-1', 'Bearer access-2']);
	});

	it('a second rejection is returned as is: never two retries, never a loop', async () => {
		const api = client({ throwHttpErrors: false, retry: 5 });
		endpoint.respond(() => endpoint.issue());
		const response = await api.get('forbidden');
		expect(response.status).toBe(401);
		expect(apiSeen).toHaveLength(2);
		expect(endpoint.seen).toHaveLength(2);
	});

	it('the retried request carries its body again', async () => {
		const api = client();
		await api.get('warm');
		accepted.clear();
		await api.post('things', { json: { name: 'carrot' } }).json();
		const posts = apiSeen.filter((r) => r.url.endsWith('/things'));
		expect(posts.map((r) => r.body)).toEqual(['{"name":"carrot"}', '{"name":"carrot"}']);
	});

	it('a stream body is not retried, and the error says why', async () => {
		const api = client();
		await api.get('warm');
		accepted.clear();
		const body = new ReadableStream({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('streamed'));
				controller.close();
			},
		});
		const error = await api.post('upload', { body, duplex: 'half' } as never).catch((e: unknown) => e);
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.NotReplayable);
		expect((error as Error).message).toMatch(/stream/);
		expect(apiSeen.filter((r) => r.url.endsWith('/upload'))).toHaveLength(1);
		// The rejected token was dropped: the next request gets a new one.
		await api.get('after').json();
		expect(endpoint.seen).toHaveLength(2);
	});

	it('200 concurrent requests after a revocation -> 1 new token, every request succeeds', async () => {
		const api = client();
		await api.get('warm');
		accepted.clear();
		const results = await Promise.all(Array.from({ length: 200 }, () => api.get('x').json()));
		expect(results).toHaveLength(200);
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a request waiting while a refresh is in flight uses the new token', async () => {
		const api = client();
		await api.get('warm');
		accepted.clear();
		endpoint.respond(async () => {
			await delay(30);
			return issueAccepted();
		});
		await Promise.all([api.get('a').json(), api.get('b').json()]);
		expect(apiSeen.filter((r) => r.authorization === 'Bearer access-2')).toHaveLength(2);
	});

	it('token errors are not retried by ky', async () => {
		endpoint.respond(() => HttpResponse.json({ error: 'invalid_client' }, { status: 401 }));
		const api = client({ retry: { limit: 5 } });
		await expect(api.get('x')).rejects.toMatchObject({ code: ErrorCode.OAuth });
		expect(endpoint.seen).toHaveLength(1);
		expect(apiSeen).toHaveLength(0);
	});
});

describe('rule 7: tokens go only where they belong', () => {
	it('other origins never see the token', async () => {
		const api = client();
		await api.get('https://elsewhere.test/x', { prefixUrl: '' }).json();
		await api.get('things').json();
		expect(apiSeen.map((r) => [new URL(r.url).host, r.authorization])).toEqual([
			['elsewhere.test', null],
			['api.test', 'Bearer access-1'],
		]);
	});

	it('allowedOrigins extends the set', async () => {
		const api = client({ allowedOrigins: ['https://elsewhere.test'] });
		await api.get('https://elsewhere.test/x', { prefixUrl: '' }).json();
		expect(apiSeen[0]?.authorization).toBe('Bearer access-1');
	});

	it('a look-alike host is not the origin', async () => {
		server.use(
			http.all('https://api.test.elsewhere.test/*', ({ request }) => HttpResponse.json({ auth: request.headers.get('authorization') })),
		);
		const api = client();
		expect(await api.get('https://api.test.elsewhere.test/x', { prefixUrl: '' }).json()).toEqual({ auth: null });
	});

	it('a request with its own Authorization is left alone', async () => {
		const api = client({ throwHttpErrors: false });
		const response = await api.get('x', { headers: { authorization: 'Bearer mine' } });
		expect(response.status).toBe(401);
		expect(apiSeen.map((r) => r.authorization)).toEqual(['Bearer mine']);
		expect(endpoint.seen).toHaveLength(0);
	});
});

describe('rule 10: own the retry, add no header', () => {
	it('adds only Authorization to what the caller sends', async () => {
		const bare = client({ auth: createTokenManager(testProvider(), FAST) });
		await bare.get('x').json();
		expect(apiSeen[0]?.headers.sort()).toEqual(['accept', 'authorization']);
	});

	it('403 is not a rejection for a provider that says [401]', async () => {
		rejectionStatus = 403;
		const api = client({ throwHttpErrors: false });
		await api.get('warm');
		expect(apiSeen).toHaveLength(1);
	});

	it('403 is a rejection for a provider that says [401, 403]', async () => {
		rejectionStatus = 403;
		const api = client({ auth: createTokenManager(testProvider({ rejectionStatuses: [401, 403] }), FAST) });
		await api.get('warm');
		accepted.clear();
		expect(await api.get('x').json()).toEqual({ ok: true });
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('authFetch', () => {
	it("has fetch's signature, attaches to allowed origins only, and retries once", async () => {
		const fetchWithToken = authFetch({ auth: createTokenManager(testProvider(), FAST), allowedOrigins: [API_URL] });
		expect((await fetchWithToken(`${API_URL}/a`)).status).toBe(200);
		accepted.clear();
		const retried = await fetchWithToken(new URL(`${API_URL}/b`), { method: 'POST', body: 'payload' });
		expect(retried.status).toBe(200);
		expect(await (await fetchWithToken('https://elsewhere.test/c')).json()).toEqual({ elsewhere: true });
		expect(apiSeen.map((r) => [new URL(r.url).pathname, r.authorization, r.body])).toEqual([
			['/a', 'Bearer access-1', ''],
			['/b', 'Bearer access-1', 'payload'],
			['/b', 'Bearer access-2', 'payload'],
			['/c', null, ''],
		]);
	});

	it('requires allowedOrigins', () => {
		expect(() => authFetch({ auth: testProvider() } as never)).toThrow(/allowedOrigins/);
	});
});
