import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authFetch, createClient, ErrorCode, isTokenkeeperError, oauth2 } from '../../src/index.js';
import { SECRET } from '../_helpers/token-server.js';
import { startLoopbackServer, type LoopbackServer } from '../_helpers/streaming-server.js';

/*
 * Real HTTP on 127.0.0.1, no msw: an API with two resources (`/mcp`, whose metadata names authorization server A, and
 * `/other`, whose metadata names B), A (RFC 8414 metadata and a token endpoint) and B (which must never be asked).
 * Every request each server sees is counted by path.
 */
let api: LoopbackServer;
let a: LoopbackServer;
let b: LoopbackServer;
const seen = { api: [] as string[], a: [] as string[], b: [] as string[] };
/** Tokens the API takes: A's, until revoked. */
const valid = new Set<string>();
let issued = 0;

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
const times = (list: string[], path: string) => list.filter((seenPath) => seenPath === path).length;

beforeAll(async () => {
	[api, a, b] = await Promise.all([startLoopbackServer(), startLoopbackServer(), startLoopbackServer()]);
	api.answer((response, request) => {
		const path = request.url ?? '';
		seen.api.push(path);
		const metadata = (name: string) => `${api.url}/.well-known/oauth-protected-resource/${name}`;
		if (path === '/.well-known/oauth-protected-resource/mcp')
			return json(response, 200, { resource: `${api.url}/mcp`, authorization_servers: [a.url] });
		if (path === '/.well-known/oauth-protected-resource/other')
			return json(response, 200, { resource: `${api.url}/other`, authorization_servers: [b.url] });
		const name = path.startsWith('/other') ? 'other' : 'mcp';
		const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
		if (name === 'mcp' && valid.has(token)) return json(response, 200, { ok: true });
		return json(
			response,
			401,
			{ error: 'invalid_token' },
			{ 'www-authenticate': `Bearer error="invalid_token", resource_metadata="${metadata(name)}"` },
		);
	});
	a.answer((response, request) => {
		const path = request.url ?? '';
		seen.a.push(path);
		if (path === '/.well-known/oauth-authorization-server') return json(response, 200, { issuer: a.url, token_endpoint: `${a.url}/token` });
		if (path === '/token' && request.method === 'POST') {
			issued += 1;
			valid.add(`AT-${issued}`);
			return json(response, 200, { access_token: `AT-${issued}`, token_type: 'Bearer', expires_in: 3600 });
		}
		return json(response, 404, { error: 'not_found' });
	});
	b.answer((response, request) => {
		seen.b.push(request.url ?? '');
		json(response, 500, { error: 'B must not be asked' });
	});
});
afterAll(() => Promise.all([api, a, b].map((server) => server.close())));
beforeEach(() => {
	for (const list of Object.values(seen)) list.length = 0;
	valid.clear();
	issued = 0;
});

const provider = () => oauth2({ resource: `${api.url}/mcp`, clientId: 'agent', clientSecret: SECRET });

describe('an API known only by its URL, over loopback HTTP (RFC 9728, RFC 8414)', () => {
	it('10 concurrent calls -> 1 metadata read, 1 authorization server discovery, 1 token; 10 more -> nothing more', async () => {
		const client = createClient({ prefixUrl: api.url, auth: provider(), retry: 0 });
		const first = await Promise.all(Array.from({ length: 10 }, () => client.get('mcp').json()));
		const more = await Promise.all(Array.from({ length: 10 }, () => client.get('mcp').json()));
		expect([...first, ...more]).toEqual(Array.from({ length: 20 }, () => ({ ok: true })));
		expect(times(seen.api, '/.well-known/oauth-protected-resource/mcp')).toBe(1);
		expect(seen.a).toEqual(['/.well-known/oauth-authorization-server', '/token']);
		expect(seen.b).toEqual([]);
	});

	it("tokens revoked -> 1 new token; the rejection's metadata (naming A) is read once, then remembered", async () => {
		const client = createClient({ prefixUrl: api.url, auth: provider(), retry: 0 });
		await client.get('mcp').json();
		for (let round = 0; round < 3; round++) {
			valid.clear();
			expect(await Promise.all(Array.from({ length: 5 }, () => client.get('mcp').json()))).toEqual(
				Array.from({ length: 5 }, () => ({ ok: true })),
			);
		}
		expect(times(seen.a, '/token')).toBe(4);
		// Discovery's read, and the first rejection's: the check remembers what it read, not what discovery did.
		expect(times(seen.api, '/.well-known/oauth-protected-resource/mcp')).toBe(2);
		expect(times(seen.a, '/.well-known/oauth-authorization-server')).toBe(1);
		expect(seen.b).toEqual([]);
	});

	it('a 401 naming a resource whose metadata names B -> AuthorizationServerMismatchError; 0 requests to B, no new token, no retry', async () => {
		const fetchWithToken = authFetch({ auth: provider(), allowedOrigins: [api.url] });
		expect((await fetchWithToken(`${api.url}/mcp`)).status).toBe(200);
		const error = await fetchWithToken(`${api.url}/other/items`, { method: 'POST', body: '{"x":1}' }).catch((e: unknown) => e);
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.AuthorizationServerMismatch);
		expect(error).toMatchObject({ resource: `${api.url}/other`, authorizationServers: [b.url], issuer: a.url, status: 401 });
		expect(seen.b).toEqual([]);
		expect(times(seen.a, '/token')).toBe(1);
		expect(times(seen.api, '/other/items')).toBe(1);
	});
});
