import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { postForm, transports, withToken, type Started } from '../_helpers/transports.js';
import { get, oauth2Login, type OAuth2Tokens } from './oauth2-login.js';

/** The `resource_metadata` of a `WWW-Authenticate` challenge (RFC 9728 5.1). */
function resourceMetadataOf(response: Response): string | undefined {
	return /resource_metadata="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
}

describe.each(transports)('oauth2 protected-resource metadata (RFC 9728) over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		return started.emulator;
	}

	it('each API names its metadata in its 401; the metadata names the issuer; its RFC 8414 metadata lists the resources', async () => {
		const emulator = await start();
		const [orders, billing] = emulator.credentials.oauth2.resources;
		// What a client that knows only the API's URL does (RFC 9728 5): call it, follow the challenge.
		const metadataUrl = resourceMetadataOf(await withToken(`${orders}items`, undefined));
		expect(metadataUrl).toBe(`${emulator.url}/.well-known/oauth-protected-resource/orders/`);
		const response = await get(metadataUrl!);
		expect(response.headers.get('content-type')).toBe('application/json');
		const metadata = (await response.json()) as { authorization_servers: string[] };
		expect(metadata).toEqual({
			resource: orders,
			authorization_servers: [emulator.url],
			scopes_supported: ['orders:read', 'orders:write'],
			bearer_methods_supported: ['header'],
		});
		expect(await (await get(`${emulator.url}/.well-known/oauth-protected-resource/billing/`)).json()).toMatchObject({
			resource: billing,
			scopes_supported: ['billing:read'],
		});
		// RFC 8414 3.1: the issuer has no path, so its metadata is at the root's well-known URI; its issuer is exact.
		const [issuer] = metadata.authorization_servers;
		const server = await (await get(`${issuer}/.well-known/oauth-authorization-server`)).json();
		expect(server).toMatchObject({ issuer, token_endpoint: `${issuer}/oauth2/v1/token`, protected_resources: [orders, billing] });
		expect(await (await get(`${issuer}/.well-known/openid-configuration`)).json()).toEqual(server);
		// Metadata is neither a token request nor an API call.
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 0 }, apiRequests: { total: 1, rejected: 1 } });
	});

	it('metadata answers GET only, with CORS for a loopback origin; an unknown resource has none', async () => {
		const emulator = await start();
		const url = `${emulator.url}/.well-known/oauth-protected-resource/orders/`;
		const origin = 'http://localhost:5173';
		const cors = await get(url, { origin });
		expect(cors.headers.get('access-control-allow-origin')).toBe(origin);
		expect((await get(url, { origin: 'http://evil.example' })).headers.get('access-control-allow-origin')).toBeNull();
		const post = await postForm(url, {});
		expect(post.status).toBe(405);
		expect(post.headers.get('allow')).toBe('GET');
		for (const path of ['', '/orders', '/nowhere/', '/orders/items']) {
			expect((await get(`${emulator.url}/.well-known/oauth-protected-resource${path}`)).status).toBe(404);
		}
	});

	it('configured resources: a path without a trailing slash serves itself and below; no scopes -> none listed, whole scope', async () => {
		const emulator = await start({ oauth2: { resources: [{ path: '/mcp' }] } });
		const mcp = `${emulator.url}/mcp`;
		expect(emulator.credentials.oauth2.resources).toEqual([mcp]);
		expect(await (await get(`${emulator.url}/.well-known/oauth-protected-resource/mcp`)).json()).toEqual({
			resource: mcp,
			authorization_servers: [emulator.url],
			bearer_methods_supported: ['header'],
		});
		const { clientCredentials } = oauth2Login(emulator);
		const token = (await (await clientCredentials({ resource: mcp, scope: 'tools:call' })).json()) as OAuth2Tokens;
		expect(token.scope).toBe('tools:call');
		expect((await withToken(mcp, token.access_token)).status).toBe(200);
		expect((await withToken(`${mcp}/tools`, token.access_token)).status).toBe(200);
		expect((await withToken(`${emulator.url}/mcpx`, token.access_token)).status).toBe(404);
		expect((await get(`${emulator.url}/orders/`)).status).toBe(404);
	});

	it('while DPoP is on, the metadata says which proofs it takes and whether bound tokens are required', async () => {
		const emulator = await start();
		const url = `${emulator.url}/.well-known/oauth-protected-resource/billing/`;
		emulator.setDpop({ required: true });
		expect(await (await get(url)).json()).toMatchObject({
			dpop_signing_alg_values_supported: ['ES256'],
			dpop_bound_access_tokens_required: true,
		});
		emulator.setDpop(undefined);
		expect(await (await get(url)).json()).not.toHaveProperty('dpop_signing_alg_values_supported');
	});
});

describe('oauth2 resource options', () => {
	it('are validated up front: a TypeError naming the field and what it got', async () => {
		const cases: Array<[EmulatorOptions, RegExp]> = [
			[{ oauth2: { resources: 'orders' as never } }, /`oauth2.resources` to be an array/],
			[{ oauth2: { resources: [{ path: 'orders/' }] } }, /`oauth2.resources\[0\].path` to be an absolute path .* got "orders\/"/],
			[{ oauth2: { resources: [{ path: '/' }] } }, /`oauth2.resources\[0\].path`/],
			[{ oauth2: { resources: [{ path: '/orders/?x=1' }] } }, /`oauth2.resources\[0\].path`/],
			[{ oauth2: { resources: [{ path: '/a/../orders/' }] } }, /`oauth2.resources\[0\].path`/],
			[{ oauth2: { resources: [{ path: '/or ders/' }] } }, /`oauth2.resources\[0\].path`/],
			[{ oauth2: { resources: [{ path: '/api/orders/' }] } }, /outside the emulator's own \/api\/, got "\/api\/orders\/"/],
			[{ oauth2: { resources: [{ path: '/.well-known' }] } }, /outside the emulator's own \/.well-known\//],
			[{ oauth2: { resources: [{ path: '/orders/' }, { path: '/orders/v2/' }] } }, /`oauth2.resources\[1\].path` outside every other/],
			[{ oauth2: { resources: [{ path: '/orders' }, { path: '/orders/' }] } }, /`oauth2.resources\[1\].path` outside every other/],
			[{ oauth2: { resources: [{ path: '/orders/', scopes: ['a b'] }] } }, /`oauth2.resources\[0\].scopes`.*got "a b" in it/],
			[{ oauth2: { resources: [{ path: '/orders/', scopes: 'a' as never }] } }, /`oauth2.resources\[0\].scopes`/],
		];
		for (const [options, message] of cases) {
			await expect(createEmulator(options)).rejects.toThrow(TypeError);
			await expect(createEmulator(options)).rejects.toThrow(message);
		}
	});
});
