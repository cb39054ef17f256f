import { afterEach, describe, expect, it } from 'vitest';
import { postForm, transports, withToken, type Started } from '../_helpers/transports.js';

describe.each(transports)('squidex over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: Parameters<typeof transport.start>[0]) {
		started = await transport.start(options);
		const { url, clientId, clientSecret } = started.emulator.credentials.squidex;
		const tokenUrl = `${url}/identity-server/connect/token`;
		const body = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'squidex-api' };
		return { emulator: started.emulator, url, tokenUrl, body, clientId, clientSecret };
	}

	it('client credentials: form body -> documented token response, then the API accepts the token', async () => {
		const { emulator, url, tokenUrl, body } = await start();
		const response = await postForm(tokenUrl, body);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/json');
		expect(response.headers.get('cache-control')).toBe('no-store');
		const token = (await response.json()) as Record<string, unknown>;
		expect(token).toEqual({ access_token: expect.any(String), expires_in: 2592000, token_type: 'Bearer', scope: 'squidex-api' });
		expect((token.access_token as string).length).toBeGreaterThanOrEqual(43);

		const schemas = await withToken(`${url}/api/apps/food-crunch/schemas`, token.access_token as string);
		expect(schemas.status).toBe(200);
		const list = (await schemas.json()) as { items: Array<{ name: string }> };
		expect(list.items.map((item) => item.name)).toContain('recipes');
		expect(emulator.counters()).toMatchObject({
			tokenRequests: { total: 1, client_credentials: 1 },
			apiRequests: { total: 1, ok: 1, rejected: 0 },
		});
	});

	it('protected API echoes method, path, client and body', async () => {
		const { url, tokenUrl, body, clientId } = await start();
		const { access_token } = (await (await postForm(tokenUrl, body)).json()) as { access_token: string };
		const response = await withToken(`${url}/api/content/food-crunch/recipes`, access_token, {
			method: 'POST',
			body: '{"title":"soup"}',
			headers: { 'content-type': 'application/json' },
		});
		expect(await response.json()).toEqual({
			ok: true,
			method: 'POST',
			path: '/api/content/food-crunch/recipes',
			client: clientId,
			received: '{"title":"soup"}',
		});
	});

	it('revokeAllTokens: a live token gets 401 with WWW-Authenticate: Bearer', async () => {
		const { emulator, url, tokenUrl, body } = await start();
		const { access_token } = (await (await postForm(tokenUrl, body)).json()) as { access_token: string };
		expect((await withToken(`${url}/api/ping`, access_token)).status).toBe(200);
		emulator.revokeAllTokens();
		const rejected = await withToken(`${url}/api/ping`, access_token);
		expect(rejected.status).toBe(401);
		expect(rejected.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
		expect(emulator.counters().apiRequests).toEqual({ total: 2, ok: 1, rejected: 1 });
		// A new token works again.
		const { access_token: fresh } = (await (await postForm(tokenUrl, body)).json()) as { access_token: string };
		expect((await withToken(`${url}/api/ping`, fresh)).status).toBe(200);
	});

	it('no token -> 401 Bearer; expired token (injected clock) -> 401', async () => {
		let clock = 1_700_000_000_000;
		const { url, tokenUrl, body } = await start({ now: () => clock, squidex: { expiresIn: 60 } });
		const missing = await withToken(`${url}/api/ping`, undefined);
		expect(missing.status).toBe(401);
		expect(missing.headers.get('www-authenticate')).toBe('Bearer');
		const { access_token, expires_in } = (await (await postForm(tokenUrl, body)).json()) as { access_token: string; expires_in: number };
		expect(expires_in).toBe(60);
		clock += 59_999;
		expect((await withToken(`${url}/api/ping`, access_token)).status).toBe(200);
		clock += 1;
		expect((await withToken(`${url}/api/ping`, access_token)).status).toBe(401);
	});

	it('HTTP Basic with a colon in the client id: form-encode each part, then base64', async () => {
		const { url, tokenUrl, clientId, clientSecret } = await start({
			squidex: { clients: [{ clientId: 'food-crunch:default', clientSecret: 'p@ss word+/=' }] },
		});
		expect(clientId).toBe('food-crunch:default');
		const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
		const basic = btoa(`${encode(clientId)}:${encode(clientSecret)}`);
		const response = await postForm(
			tokenUrl,
			{ grant_type: 'client_credentials', scope: 'squidex-api' },
			{ authorization: `Basic ${basic}` },
		);
		expect(response.status).toBe(200);
		const { access_token } = (await response.json()) as { access_token: string };
		expect((await withToken(`${url}/api/ping`, access_token)).status).toBe(200);

		// Without the form-encoding the first colon splits the id: IdentityServer says invalid_client.
		const naive = btoa(`${clientId}:${clientSecret}`);
		const refused = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: `Basic ${naive}` });
		expect(refused.status).toBe(400);
		expect(await refused.json()).toEqual({ error: 'invalid_client' });
	});

	it('errors: bad secret -> invalid_client, wrong grant -> unsupported_grant_type, wrong scope -> invalid_scope, JSON body -> invalid_request', async () => {
		const { emulator, tokenUrl, body } = await start();
		const cases: Array<[Response, string]> = [
			[await postForm(tokenUrl, { ...body, client_secret: 'wrong' }), 'invalid_client'],
			[await postForm(tokenUrl, { ...body, client_id: 'food-crunch:other' }), 'invalid_client'],
			[await postForm(tokenUrl, { ...body, grant_type: 'password' }), 'unsupported_grant_type'],
			[await postForm(tokenUrl, { ...body, scope: 'squidex-api openid' }), 'invalid_scope'],
			[
				await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
				'invalid_request',
			],
		];
		for (const [response, error] of cases) {
			expect(response.status).toBe(400);
			expect(await response.json()).toEqual({ error });
		}
		// A missing scope means every allowed scope.
		const { scope, ...noScope } = body;
		expect(scope).toBe('squidex-api');
		const granted = await postForm(tokenUrl, noScope);
		expect(((await granted.json()) as { scope: string }).scope).toBe('squidex-api');
		expect(emulator.counters().tokenRequests).toEqual({
			total: 6,
			client_credentials: 4,
			password: 1,
			refresh_token: 0,
			authorization_code: 0,
			device_code: 0,
			token_exchange: 0,
		});
	});
});
