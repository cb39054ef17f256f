import { http, HttpResponse } from 'msw';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { authFetch, createClient, createMemoryStore, createTokenManager } from '../../src/index.js';
import { FAST, testProvider } from '../_helpers/manager.js';
import { instrumentStore } from '../_helpers/stores.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

// #24: createClient and authFetch with `resource` (and `scope`): each API gets the token of its target, a rejection
// drops only that token, and the origin allow-list holds as before.
const ORDERS = 'https://orders.test/';
const BILLING = 'https://billing.test/';

const endpoint = createTokenEndpoint();
/** The access tokens each API accepts (an audience-checking API): a token issued for it, not revoked. */
const accepted = new Map<string, Set<string>>([
	[ORDERS, new Set()],
	[BILLING, new Set()],
]);
/** What the APIs saw: [the API, the Authorization header]. */
const apiSeen: Array<[string, string | null]> = [];

const apis = [ORDERS, BILLING, 'https://elsewhere.test/'].map((origin) =>
	http.get(`${origin}*`, ({ request }) => {
		const authorization = request.headers.get('authorization');
		apiSeen.push([origin, authorization]);
		const token = authorization?.replace(/^Bearer /, '') ?? '';
		return accepted.get(origin)?.has(token) || origin.includes('elsewhere')
			? HttpResponse.json({ api: origin })
			: new HttpResponse(null, { status: 401 });
	}),
);
const server = startMockServer(endpoint.handler, ...apis);
afterAll(() => server.close());
beforeEach(() => {
	endpoint.reset();
	// Each token is issued for the resource the request names (RFC 8707), and only that API accepts it.
	endpoint.respond(({ params }) => {
		const response = endpoint.issue();
		accepted.get(params.resource ?? '')?.add(`access-${endpoint.issued}`);
		return response;
	});
	for (const tokens of accepted.values()) tokens.clear();
	apiSeen.length = 0;
});

const resourcesAsked = () => endpoint.seen.map(({ params }) => params.resource);

function twoApis(store = createMemoryStore()) {
	const tokens = createTokenManager(testProvider(), { ...FAST, store });
	return {
		tokens,
		orders: createClient({ prefixUrl: ORDERS, auth: tokens, resource: ORDERS, retry: 0 }),
		billing: createClient({ prefixUrl: BILLING, auth: tokens, resource: BILLING, retry: 0 }),
	};
}

describe('a client per API, one session', () => {
	it("each client's requests carry its resource's token", async () => {
		const { orders, billing } = twoApis();
		expect(await orders.get('a').json()).toEqual({ api: ORDERS });
		expect(await billing.get('b').json()).toEqual({ api: BILLING });
		expect(resourcesAsked()).toEqual([ORDERS, BILLING]);
		expect(apiSeen).toEqual([
			[ORDERS, 'Bearer access-1'],
			[BILLING, 'Bearer access-2'],
		]);
	});

	it("a 401 from one API drops only that API's token: the other's is still served without a token request", async () => {
		const { orders, billing } = twoApis();
		await orders.get('a').json();
		await billing.get('b').json();
		accepted.get(ORDERS)?.clear();
		expect(await orders.get('c').json()).toEqual({ api: ORDERS });
		expect(await billing.get('d').json()).toEqual({ api: BILLING });
		expect(resourcesAsked()).toEqual([ORDERS, BILLING, ORDERS]);
		expect(apiSeen.slice(2)).toEqual([
			[ORDERS, 'Bearer access-1'],
			[ORDERS, 'Bearer access-3'],
			[BILLING, 'Bearer access-2'],
		]);
	});

	it('both APIs reject their tokens at once (revoked at the server): each call is retried once with a new token for its API', async () => {
		const { orders, billing } = twoApis();
		await Promise.all([orders.get('a').json(), billing.get('b').json()]);
		for (const tokens of accepted.values()) tokens.clear();
		const calls = Array.from({ length: 20 }, (_, index) => [
			orders.get(`c${index}`, { throwHttpErrors: false }),
			billing.get(`d${index}`, { throwHttpErrors: false }),
		]);
		const answers = await Promise.all(calls.flat());
		expect(answers.map(({ status }) => status)).toEqual(Array(40).fill(200));
		expect(resourcesAsked()).toEqual([ORDERS, BILLING, ORDERS, BILLING]);
	});

	it('the scope of a client is asked with its resource', async () => {
		const tokens = createTokenManager(testProvider(), FAST);
		const reader = createClient({ prefixUrl: ORDERS, auth: tokens, resource: ORDERS, scope: ['orders:read'], retry: 0 });
		const writer = createClient({ prefixUrl: ORDERS, auth: tokens, resource: ORDERS, scope: 'orders:write', retry: 0 });
		await reader.get('a').json();
		await writer.get('b').json();
		await reader.get('c').json();
		expect(endpoint.seen.map(({ params }) => [params.resource, params.scope])).toEqual([
			[ORDERS, 'orders:read'],
			[ORDERS, 'orders:write'],
		]);
	});

	it('100 + 100 calls on cached tokens cost no store I/O', async () => {
		const counted = instrumentStore(createMemoryStore());
		const { orders, billing } = twoApis(counted.store);
		await orders.get('warm').json();
		await billing.get('warm').json();
		const before = { ...counted.calls };
		for (let i = 0; i < 100; i += 1) {
			await orders.get(`o${i}`).json();
			await billing.get(`b${i}`).json();
		}
		expect(counted.calls).toEqual(before);
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('the origin allow-list, per client with a resource', () => {
	it("a client's token goes only to its prefixUrl's origin: another API's URL gets no token, and none is asked for it", async () => {
		const { orders } = twoApis();
		const response = await orders.get(`${BILLING}x`, { prefixUrl: '', throwHttpErrors: false });
		expect(response.status).toBe(401);
		expect(apiSeen).toEqual([[BILLING, null]]);
		expect(endpoint.seen).toHaveLength(0);
	});

	it('allowedOrigins extends the set, with the same resource token', async () => {
		const tokens = createTokenManager(testProvider(), FAST);
		const orders = createClient({
			prefixUrl: ORDERS,
			auth: tokens,
			resource: ORDERS,
			allowedOrigins: ['https://elsewhere.test'],
			retry: 0,
		});
		await orders.get('https://elsewhere.test/x', { prefixUrl: '' }).json();
		expect(apiSeen).toEqual([['https://elsewhere.test/', 'Bearer access-1']]);
		expect(resourcesAsked()).toEqual([ORDERS]);
	});

	it('authFetch with a resource: its token to allowed origins only, a 401 drops only its token', async () => {
		const tokens = createTokenManager(testProvider(), FAST);
		const ordersFetch = authFetch({ auth: tokens, resource: ORDERS, allowedOrigins: [ORDERS] });
		const billingFetch = authFetch({ auth: tokens, resource: BILLING, allowedOrigins: [BILLING] });
		expect((await ordersFetch(`${ORDERS}a`)).status).toBe(200);
		expect((await billingFetch(`${BILLING}b`)).status).toBe(200);
		expect((await ordersFetch(`${BILLING}c`)).status).toBe(401);
		accepted.get(BILLING)?.clear();
		expect((await billingFetch(`${BILLING}d`)).status).toBe(200);
		expect((await ordersFetch(`${ORDERS}e`)).status).toBe(200);
		expect(apiSeen).toEqual([
			[ORDERS, 'Bearer access-1'],
			[BILLING, 'Bearer access-2'],
			[BILLING, null],
			[BILLING, 'Bearer access-2'],
			[BILLING, 'Bearer access-3'],
			[ORDERS, 'Bearer access-1'],
		]);
		expect(resourcesAsked()).toEqual([ORDERS, BILLING, BILLING]);
	});
});
