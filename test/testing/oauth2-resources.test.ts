import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { postForm, transports, withToken, type Started } from '../_helpers/transports.js';
import { DEVICE_CODE_GRANT, expectError, oauth2Login, type OAuth2Tokens } from './oauth2-login.js';

/** A token request with its fields in order, so a parameter can be repeated. */
function postFields(url: string, fields: ReadonlyArray<[string, string]>, headers: Record<string, string>): Promise<Response> {
	return fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
		body: new URLSearchParams([...fields]).toString(),
		signal: AbortSignal.timeout(2000),
	});
}

describe.each(transports)('oauth2 resource indicators (RFC 8707) over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		const { emulator } = started;
		const login = oauth2Login(emulator);
		const [orders = '', billing = ''] = emulator.credentials.oauth2.resources;
		const tokens = async (response: Response | Promise<Response>) => {
			const answer = await response;
			expect(answer.status).toBe(200);
			return (await answer.json()) as OAuth2Tokens;
		};
		/** A login of the public client naming `resources`, exchanged for `resource`. */
		const loginFor = async (resources: readonly string[], resource: string | undefined, scope = 'openid offline_access') => {
			const { params, verifier } = login.authorizationParams({ scope });
			const code = (await login.authorize(params, resources)).get('code') ?? '';
			return tokens(login.exchange(code, verifier, resource === undefined ? {} : { resource }));
		};
		return { emulator, orders, billing, tokens, loginFor, ...login };
	}

	it('audience: a token for orders opens orders only; billing, userinfo and a token without resource get 401 naming the metadata', async () => {
		const { emulator, issuer, serviceId, orders, billing, tokens, clientCredentials, userinfo } = await start();
		const forOrders = await tokens(clientCredentials({ resource: orders, scope: 'orders:read billing:read' }));
		// A token carries only the scopes its resource knows (RFC 6749 5.1: the response says so).
		expect(forOrders.scope).toBe('orders:read');
		const ok = await withToken(`${orders}42`, forOrders.access_token, { method: 'POST' });
		expect(await ok.json()).toEqual({
			resource: orders,
			method: 'POST',
			path: '/orders/42',
			sub: serviceId,
			client_id: serviceId,
			scope: 'orders:read',
		});
		const refused = await withToken(billing, forOrders.access_token);
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toBe(
			`Bearer error="invalid_token", error_description="This token was issued for another resource.", resource_metadata="${issuer}/.well-known/oauth-protected-resource/billing/"`,
		);
		const atUserinfo = await withToken(userinfo, forOrders.access_token);
		expect(atUserinfo.headers.get('www-authenticate')).toBe(
			`Bearer error="invalid_token", error_description="This token is for the resource ${orders}: this endpoint takes a token issued without resource."`,
		);
		const withoutResource = await tokens(clientCredentials());
		expect((await withToken(userinfo, withoutResource.access_token)).status).toBe(200);
		const noAudience = await withToken(orders, withoutResource.access_token);
		expect(noAudience.headers.get('www-authenticate')).toBe(
			`Bearer error="invalid_token", error_description="This token was issued without resource: ask for one with resource=${orders} (RFC 8707).", resource_metadata="${issuer}/.well-known/oauth-protected-resource/orders/"`,
		);
		const bare = await withToken(orders, undefined);
		expect(bare.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${issuer}/.well-known/oauth-protected-resource/orders/"`);
		expect((await withToken(`${orders}42`, forOrders.access_token, { method: 'PATCH' })).status).toBe(405);
		expect(emulator.counters().apiRequests).toEqual({ total: 7, ok: 2, rejected: 4 });
	});

	it('invalid_target: an unknown, malformed or second resource is a 400 on every grant, and spends neither code nor refresh token', async () => {
		const {
			emulator,
			orders,
			billing,
			service,
			url,
			tokens,
			loginFor,
			clientCredentials,
			authorizationParams,
			authorize,
			exchange,
			refresh,
		} = await start();
		for (const resource of [`${emulator.url}/ordres/`, `${orders}#x`, 'orders', orders.replace('/orders/', '/orders')]) {
			await expectError(await clientCredentials({ resource }), 'invalid_target');
		}
		const two = await postFields(
			url('token'),
			[
				['grant_type', 'client_credentials'],
				['resource', orders],
				['resource', billing],
			],
			service,
		);
		expect(await two.json()).toMatchObject({
			error: 'invalid_target',
			error_description: expect.stringMatching(/one resource per token request/),
		});
		// The same resource twice is one resource.
		await tokens(
			postFields(
				url('token'),
				[
					['grant_type', 'client_credentials'],
					['resource', orders],
					['resource', orders],
				],
				service,
			),
		);

		const { params, verifier } = authorizationParams();
		const code = (await authorize(params)).get('code')!;
		await expectError(await exchange(code, verifier, { resource: `${emulator.url}/nowhere/` }), 'invalid_target');
		const session = await tokens(exchange(code, verifier));
		await expectError(await refresh(session.refresh_token!, { resource: `${emulator.url}/nowhere/` }), 'invalid_target');
		await tokens(refresh(session.refresh_token!, { resource: billing }));

		const named = await loginFor([orders], orders);
		await expectError(await refresh(named.refresh_token!, { resource: billing }), 'invalid_target');
		await tokens(refresh(named.refresh_token!, { resource: orders }));
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});

	it('authorization with two resources: the code covers both, the exchange names one, a refresh the other; one not named is refused', async () => {
		const { emulator, issuer, orders, billing, tokens, loginFor, authorizationParams, authorize, exchange, refresh, userinfo } =
			await start();
		const scope = 'openid offline_access orders:read billing:read';
		const first = await loginFor([orders, billing, orders], orders, scope);
		expect(first.scope).toBe('orders:read');
		const second = await tokens(refresh(first.refresh_token!, { resource: billing }));
		expect(second.scope).toBe('billing:read');
		expect(await (await withToken(`${billing}invoices`, second.access_token)).json()).toMatchObject({
			resource: billing,
			scope: 'billing:read',
		});
		// Without resource: the server's own audience, with the whole scope of the grant.
		const own = await tokens(refresh(second.refresh_token!));
		expect(own.scope).toBe(scope);
		expect((await withToken(userinfo, own.access_token)).status).toBe(200);

		const { params, verifier } = authorizationParams({ scope });
		const code = (await authorize(params, [orders])).get('code')!;
		const refused = await exchange(code, verifier, { resource: billing });
		expect(await refused.json()).toMatchObject({
			error: 'invalid_target',
			error_description: `The resource ${billing} was not named at authorization: this grant covers ${orders}. Log in again naming it.`,
		});
		// A code is spent by its first redemption, even a refused one.
		await expectError(await exchange(code, verifier, { resource: orders }), 'invalid_grant');

		const unknown = await authorize(authorizationParams().params, [orders, `${emulator.url}/nowhere/`]);
		expect(Object.fromEntries(unknown)).toMatchObject({ error: 'invalid_target', iss: issuer });
		expect(unknown.has('code')).toBe(false);
	});

	it('one refresh token family serves every resource: rotation shared, a refresh replaces only its own resource token, reuse revokes all', async () => {
		const { emulator, orders, billing, tokens, loginFor, refresh } = await start();
		const other = await loginFor([], orders);
		const first = await loginFor([orders, billing], orders);
		const second = await tokens(refresh(first.refresh_token!, { resource: billing }));
		expect(second.refresh_token).not.toBe(first.refresh_token);
		expect((await withToken(orders, first.access_token)).status).toBe(200);
		const third = await tokens(refresh(second.refresh_token!, { resource: orders }));
		expect((await withToken(billing, second.access_token)).status).toBe(200);
		// The access token issued with the spent refresh token dies when the new one is for the same resource and scope.
		const fourth = await tokens(refresh(third.refresh_token!, { resource: orders }));
		expect((await withToken(orders, third.access_token)).status).toBe(401);
		expect((await withToken(orders, fourth.access_token)).status).toBe(200);

		await expectError(await refresh(first.refresh_token!, { resource: orders }), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(1);
		expect((await withToken(orders, fourth.access_token)).status).toBe(401);
		expect((await withToken(orders, first.access_token)).status).toBe(401);
		expect((await withToken(billing, second.access_token)).status).toBe(401);
		await expectError(await refresh(fourth.refresh_token!, { resource: billing }), 'invalid_grant');
		expect((await withToken(orders, other.access_token)).status).toBe(200);
		expect(emulator.counters().resources[orders]!.tokenRequests).toMatchObject({ total: 5, authorization_code: 2, refresh_token: 3 });
	});

	it('counters per resource: token requests by grant, API calls ok and rejected; reset keeps every resource at zero', async () => {
		const { emulator, orders, billing, tokens, loginFor, clientCredentials, refresh } = await start();
		const machine = await tokens(clientCredentials({ resource: orders }));
		await expectError(await clientCredentials({ resource: `${emulator.url}/nowhere/` }), 'invalid_target');
		const person = await loginFor([orders, billing], billing);
		await tokens(refresh(person.refresh_token!, { resource: orders }));
		await withToken(orders, machine.access_token);
		await withToken(billing, machine.access_token);
		await withToken(`${billing}x`, person.access_token);
		emulator.injectFault({ kind: 'status', status: 503 }, { target: 'api', times: 1 });
		expect((await withToken(orders, machine.access_token)).status).toBe(503);
		const zero = {
			total: 0,
			client_credentials: 0,
			password: 0,
			refresh_token: 0,
			authorization_code: 0,
			device_code: 0,
			token_exchange: 0,
		};
		expect(emulator.counters()).toMatchObject({
			tokenRequests: { total: 4, client_credentials: 2, authorization_code: 1, refresh_token: 1 },
			apiRequests: { total: 3, ok: 2, rejected: 1 },
			faultsServed: 1,
			resources: {
				[orders]: {
					tokenRequests: { ...zero, total: 2, client_credentials: 1, refresh_token: 1 },
					apiRequests: { total: 1, ok: 1, rejected: 0 },
				},
				[billing]: { tokenRequests: { ...zero, total: 1, authorization_code: 1 }, apiRequests: { total: 2, ok: 1, rejected: 1 } },
			},
		});
		expect(Object.keys(emulator.counters().resources)).toEqual([orders, billing]);
		emulator.resetCounters();
		expect(emulator.counters().resources[billing]).toEqual({ tokenRequests: zero, apiRequests: { total: 0, ok: 0, rejected: 0 } });
	});

	it('revokeAllTokens and expireAllTokens act on the tokens of every resource; after expiry one family refreshes both', async () => {
		const { emulator, orders, billing, tokens, loginFor, refresh } = await start();
		const first = await loginFor([orders, billing], orders);
		const second = await tokens(refresh(first.refresh_token!, { resource: billing }));
		emulator.expireAllTokens();
		expect((await withToken(orders, first.access_token)).status).toBe(401);
		expect((await withToken(billing, second.access_token)).status).toBe(401);
		const third = await tokens(refresh(second.refresh_token!, { resource: orders }));
		const fourth = await tokens(refresh(third.refresh_token!, { resource: billing }));
		expect((await withToken(orders, third.access_token)).status).toBe(200);
		expect((await withToken(billing, fourth.access_token)).status).toBe(200);
		emulator.revokeAllTokens();
		expect((await withToken(orders, third.access_token)).status).toBe(401);
		expect((await withToken(billing, fourth.access_token)).status).toBe(401);
		await expectError(await refresh(fourth.refresh_token!, { resource: orders }), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});

	it('a device login names resources like an authorization request; its poll may ask for one of them', async () => {
		const { emulator, orders, billing, publicClientId, url, tokens } = await start({ oauth2: { deviceInterval: 0 } });
		const login = await postFields(
			url('device'),
			[
				['client_id', publicClientId],
				['resource', orders],
				['resource', billing],
			],
			{},
		);
		const { device_code } = (await login.json()) as { device_code: string };
		emulator.approveDevice();
		const poll = (resource: string) =>
			postForm(url('token'), { grant_type: DEVICE_CODE_GRANT, client_id: publicClientId, device_code, resource });
		const token = await tokens(poll(billing));
		expect((await withToken(billing, token.access_token)).status).toBe(200);
		await expectError(await postForm(url('device'), { client_id: publicClientId, resource: 'nowhere' }), 'invalid_target');
	});

	it('resources: [] -> a server without resource indicators: `resource` is ignored, a repeated one is invalid_request, no APIs', async () => {
		const { emulator, service, url, tokens, clientCredentials, userinfo } = await start({ oauth2: { resources: [] } });
		const ignored = await tokens(clientCredentials({ resource: `${emulator.url}/orders/` }));
		expect((await withToken(userinfo, ignored.access_token)).status).toBe(200);
		const twice = await postFields(
			url('token'),
			[
				['grant_type', 'client_credentials'],
				['resource', 'a:b'],
				['resource', 'c:d'],
			],
			service,
		);
		await expectError(twice, 'invalid_request');
		expect((await withToken(`${emulator.url}/orders/`, ignored.access_token)).status).toBe(404);
		expect(emulator.counters().resources).toEqual({});
	});
});
