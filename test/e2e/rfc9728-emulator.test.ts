import { beforeEach, describe, expect, it } from 'vitest';
import {
	AuthorizationServerMismatchError,
	authFetch,
	createClient,
	createTokenManager,
	ErrorCode,
	isTokenkeeperError,
	oauth2,
} from '../../src/index.js';
import { useEmulator } from '../_helpers/emulator.js';

/*
 * #24's figure "an API known only by its URL -> one metadata read, one discovery, one token", against the emulator's
 * OAuth2 server on 127.0.0.1 (its APIs /orders/ and /billing/ take only tokens issued for them, and name their RFC 9728
 * metadata in their 401s). A second emulator is another authorization server, with APIs of its own, which the session
 * must never ask for anything. Every request the SDK sends (token, discovery, metadata, API) goes through one counting
 * fetch, so the figures are what went on the wire.
 */
const emulator = useEmulator();
const other = useEmulator();

const sent: Array<{ origin: string; method: string; path: string }> = [];
const counting: typeof fetch = (input, init) => {
	const request = new Request(input, init);
	const { origin, pathname } = new URL(request.url);
	sent.push({ origin, method: request.method, path: pathname });
	return fetch(request);
};
beforeEach(() => {
	sent.length = 0;
});

const to = (origin: string, method: string, path: string) =>
	sent.filter((s) => s.origin === origin && s.method === method && s.path === path).length;
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

/** A session that knows only the orders API's URL (and its client): no issuer, no endpoint. */
function ordersSession() {
	const { clientId, clientSecret, resources } = emulator().credentials.oauth2;
	const [orders = ''] = resources;
	const tokens = createTokenManager(oauth2({ resource: orders, clientId, clientSecret }), { retry: 0, fetch: counting });
	return { orders, tokens, api: createClient({ prefixUrl: orders, auth: tokens, retry: 0, fetch: counting }) };
}

describe('an API known only by its URL, against the emulator (RFC 9728, RFC 8414, RFC 8707)', () => {
	it('one call -> one metadata read, one discovery, one token (for that API), then the call succeeds with it', async () => {
		const { orders, api } = ordersSession();
		const { url } = emulator();
		const answer = await api.get('42').json<{ resource: string; path: string }>();
		// The API took the token: it was issued for it (the emulator's APIs check the audience).
		expect(answer).toMatchObject({ resource: orders, path: '/orders/42' });
		expect(sent).toEqual([
			{ origin: url, method: 'GET', path: '/.well-known/oauth-protected-resource/orders/' },
			{ origin: url, method: 'GET', path: '/.well-known/oauth-authorization-server' },
			{ origin: url, method: 'POST', path: '/oauth2/v1/token' },
			{ origin: url, method: 'GET', path: '/orders/42' },
		]);
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 1, client_credentials: 1 },
			resources: {
				[orders]: { tokenRequests: { total: 1, client_credentials: 1 }, apiRequests: { total: 1, ok: 1, rejected: 0 } },
			},
		});
	});

	it('20 concurrent cold calls -> still 1 metadata read, 1 discovery, 1 token request; 20 calls ok, none rejected', async () => {
		const { orders, api } = ordersSession();
		const { url } = emulator();
		const answers = await Promise.all(range(20).map((index) => api.get(`items/${index}`).json<{ resource: string }>()));
		expect(answers.map((answer) => answer.resource)).toEqual(range(20).map(() => orders));
		expect(to(url, 'GET', '/.well-known/oauth-protected-resource/orders/')).toBe(1);
		expect(to(url, 'GET', '/.well-known/oauth-authorization-server')).toBe(1);
		expect(to(url, 'GET', '/.well-known/openid-configuration')).toBe(0);
		expect(to(url, 'POST', '/oauth2/v1/token')).toBe(1);
		expect(sent).toHaveLength(3 + 20);
		expect(emulator().counters().resources[orders]).toEqual({
			tokenRequests: {
				total: 1,
				client_credentials: 1,
				password: 0,
				refresh_token: 0,
				authorization_code: 0,
				device_code: 0,
				token_exchange: 0,
			},
			apiRequests: { total: 20, ok: 20, rejected: 0 },
		});
	});

	it("an API whose metadata names another server -> AuthorizationServerMismatchError; 0 requests to that server, the session's API still served", async () => {
		const { orders, tokens, api } = ordersSession();
		const [, theirBilling = ''] = other().credentials.oauth2.resources;
		const theirs = other().url;
		await api.get('1').json();
		sent.length = 0;

		const call = authFetch({ auth: tokens, allowedOrigins: [theirs], fetch: counting });
		const error = await call(`${theirBilling}invoices/7`).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(AuthorizationServerMismatchError);
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.AuthorizationServerMismatch);
		expect(error).toMatchObject({ resource: theirBilling, authorizationServers: [theirs], issuer: emulator().url, status: 401 });
		expect((error as Error).message).toContain(`not from this session's authorization server ${emulator().url}`);

		// The API's 401 and its metadata: nothing to the other authorization server (no discovery, no token), no retry.
		expect(sent).toEqual([
			{ origin: theirs, method: 'GET', path: '/billing/invoices/7' },
			{ origin: theirs, method: 'GET', path: '/.well-known/oauth-protected-resource/billing/' },
		]);
		expect(other().counters().tokenRequests.total).toBe(0);
		// No new token from the session's server either: a new one could not help.
		expect(emulator().counters().tokenRequests.total).toBe(1);
		expect(await api.get('2').json()).toMatchObject({ resource: orders });
		expect(emulator().counters().tokenRequests.total).toBe(1);
	});
});
