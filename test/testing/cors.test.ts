import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { sqoweyLogin } from '../_helpers/sqowey-login.js';
import { postForm, transports, withToken, type Started } from '../_helpers/transports.js';

const APP = 'http://127.0.0.1:5173';

describe.each(transports)('strict CORS over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		const { url } = started.emulator;
		const preflight = (path: string, origin: string, method: string, headers?: string) =>
			fetch(`${url}${path}`, {
				method: 'OPTIONS',
				headers: {
					origin,
					'access-control-request-method': method,
					...(headers === undefined ? {} : { 'access-control-request-headers': headers }),
				},
				signal: AbortSignal.timeout(2000),
			});
		return { emulator: started.emulator, url, preflight };
	}

	it('allowed origin: a preflight asking for authorization, content-type gets exactly the policy; not counted', async () => {
		const { emulator, preflight } = await start();
		for (const path of ['/oauth2/token', '/oauth2/token/revoke', '/api/users/@me', '/identity-server/connect/token']) {
			const response = await preflight(path, APP, 'POST', 'authorization, content-type');
			expect(response.status).toBe(204);
			expect(Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'))).toEqual({
				'access-control-allow-origin': APP,
				'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
				'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
				'access-control-max-age': '600',
				vary: 'Origin',
			});
		}
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 0 }, apiRequests: { total: 0 }, revocations: 0 });
	});

	it('DPoP: a preflight asking for the DPoP header is allowed; DPoP-Nonce and Date are exposed with WWW-Authenticate', async () => {
		const { url, preflight } = await start();
		const allowed = await preflight('/oauth2/v1/userinfo', APP, 'GET', 'authorization, dpop');
		expect(allowed.status).toBe(204);
		expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, DPoP');
		const response = await withToken(`${url}/api/users/@me`, 'bad', { headers: { origin: APP } });
		expect(response.headers.get('access-control-expose-headers')?.split(', ')).toEqual([
			'WWW-Authenticate',
			'Retry-After',
			'DPoP-Nonce',
			'Date',
		]);
	});

	it('a preflight asking for any other header, or another method, gets no CORS headers', async () => {
		const { preflight } = await start();
		for (const headers of ['x-custom', 'authorization, x-requested-with', 'Content-Type, X-Custom']) {
			const response = await preflight('/api/users/@me', APP, 'GET', headers);
			expect(response.headers.get('access-control-allow-origin')).toBeNull();
			expect(response.headers.get('access-control-allow-headers')).toBeNull();
		}
		expect((await preflight('/api/ping', APP, 'PATCH', 'authorization')).headers.get('access-control-allow-origin')).toBeNull();
	});

	it('disallowed origin: no ACAO on the preflight nor on the response; Vary: Origin all the same', async () => {
		const { url, preflight } = await start();
		const evil = 'http://evil.example';
		expect((await preflight('/oauth2/token', evil, 'POST', 'content-type')).headers.get('access-control-allow-origin')).toBeNull();
		const response = await withToken(`${url}/api/users/@me`, undefined, { headers: { origin: evil } });
		expect(response.status).toBe(401);
		expect(response.headers.get('access-control-allow-origin')).toBeNull();
		expect(response.headers.get('vary')).toBe('Origin');
	});

	it('actual responses for an allowed origin: ACAO of that origin, Vary, WWW-Authenticate exposed', async () => {
		const { url } = await start();
		const response = await withToken(`${url}/api/users/@me`, 'bad', { headers: { origin: APP } });
		expect(response.status).toBe(401);
		expect(response.headers.get('access-control-allow-origin')).toBe(APP);
		expect(response.headers.get('vary')).toBe('Origin');
		expect(response.headers.get('access-control-expose-headers')).toMatch(/\bWWW-Authenticate\b/);
	});

	it('a full login from a browser origin: ACAO on the token, API and revocation answers', async () => {
		const { emulator, url } = await start();
		const origin = { origin: 'http://localhost:3000' };
		const flow = sqoweyLogin(emulator);
		const { params, verifier } = flow.authorizationParams();
		const code = (await flow.authorize(params)).get('code')!;
		const token = await postForm(
			`${url}/oauth2/token`,
			{
				grant_type: 'authorization_code',
				client_id: flow.clientId,
				code,
				redirect_uri: flow.redirectUri,
				code_verifier: verifier,
			},
			origin,
		);
		expect(token.status).toBe(200);
		expect(token.headers.get('access-control-allow-origin')).toBe(origin.origin);
		const tokens = (await token.json()) as { access_token: string; refresh_token: string };
		const api = await withToken(flow.me, tokens.access_token, { headers: origin });
		expect(api.status).toBe(200);
		expect(api.headers.get('access-control-allow-origin')).toBe(origin.origin);
		const revoked = await postForm(`${url}/oauth2/token/revoke`, { client_id: flow.clientId, token: tokens.refresh_token }, origin);
		expect(revoked.status).toBe(200);
		expect(revoked.headers.get('access-control-allow-origin')).toBe(origin.origin);
	});

	it('requests without Origin (Node) get no CORS headers at all', async () => {
		const { url } = await start();
		const response = await withToken(`${url}/api/users/@me`, undefined);
		expect(response.headers.get('access-control-allow-origin')).toBeNull();
		expect(response.headers.get('vary')).toBeNull();
	});

	it('corsOrigins replaces the loopback default; setCorsOrigins switches at run time and validates', async () => {
		const { emulator, url, preflight } = await start({ corsOrigins: ['http://app.test'] });
		expect((await preflight('/oauth2/token', 'http://app.test', 'POST', 'content-type')).headers.get('access-control-allow-origin')).toBe(
			'http://app.test',
		);
		expect((await preflight('/oauth2/token', APP, 'POST', 'content-type')).headers.get('access-control-allow-origin')).toBeNull();

		emulator.setCorsOrigins(['https://spa.example']);
		const response = await withToken(`${url}/api/users/@me`, undefined, { headers: { origin: 'https://spa.example' } });
		expect(response.headers.get('access-control-allow-origin')).toBe('https://spa.example');
		emulator.setCorsOrigins(undefined);
		expect((await preflight('/oauth2/token', APP, 'POST')).headers.get('access-control-allow-origin')).toBe(APP);

		expect(() => emulator.setCorsOrigins(['*'])).toThrow(/origin/);
		expect(() => emulator.setCorsOrigins(['http://app.test/'])).toThrow(/origin/);
	});
});
