import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import {
	authFetch,
	AuthorizationServerMismatchError,
	createClient,
	createTokenManager,
	ErrorCode,
	isTokenkeeperError,
	oauth2,
	squidex,
	type Provider,
} from '../../src/index.js';
import { resourceMetadataUrlOf, speaksFor } from '../../src/resource-challenge.js';
import { SECRET, useMockServer } from '../_helpers/token-server.js';

/*
 * A session of authorization server A (found from its MCP server's metadata, or given as `issuer`) calls two APIs on
 * origins it allows: `mine`, whose metadata names A, and `theirs`, whose metadata names B. Both answer 401 to a token
 * they do not take, with `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 9728 5.1).
 */
const A = 'https://as-a.test';
const B = 'https://as-b.test';
const MCP = 'https://mine.test/mcp';
const MINE = 'https://mine.test/';
const THEIRS = 'https://theirs.test/';
const metadataOf = (api: string) =>
	`${new URL(api).origin}/.well-known/oauth-protected-resource${new URL(api).pathname.replace(/^\/$/, '')}`;

/** Every request to A, B and the APIs' metadata, by URL; the APIs' requests with their Authorization. */
const seen: string[] = [];
const apiSeen: Array<{ url: string; authorization: string | null }> = [];
/** The tokens mine.test takes (A's, until revoked); theirs.test takes none of A's. */
const accepted = new Set<string>();
let issued = 0;
let metadata: Record<string, () => Response> = {};

const challenge = (api: string) => ({ 'www-authenticate': `Bearer error="invalid_token", resource_metadata="${metadataOf(api)}"` });
const count = (prefix: string) => seen.filter((url) => url.startsWith(prefix)).length;
const reads = (url: string) => seen.filter((seenUrl) => seenUrl === url).length;

const server = useMockServer();
beforeEach(() => {
	seen.length = 0;
	apiSeen.length = 0;
	accepted.clear();
	issued = 0;
	metadata = {
		[metadataOf(MCP)]: () => HttpResponse.json({ resource: MCP, authorization_servers: [A] }),
		[metadataOf(MINE)]: () => HttpResponse.json({ resource: MINE, authorization_servers: [`${A}/`] }),
		[metadataOf(THEIRS)]: () => HttpResponse.json({ resource: THEIRS, authorization_servers: [B, 'https://as-c.test'] }),
	};
	server.use(
		http.get('https://*/.well-known/oauth-protected-resource*', ({ request }) => {
			seen.push(request.url);
			return (metadata[request.url] ?? (() => new HttpResponse(null, { status: 404 })))();
		}),
		http.get(`${A}/.well-known/oauth-authorization-server`, ({ request }) => {
			seen.push(request.url);
			return HttpResponse.json({ issuer: A, token_endpoint: `${A}/token` });
		}),
		http.get(`${A}/.well-known/openid-configuration`, ({ request }) => {
			seen.push(request.url);
			return HttpResponse.json({ issuer: A, token_endpoint: `${A}/token` });
		}),
		http.post(`${A}/token`, ({ request }) => {
			seen.push(request.url);
			issued += 1;
			accepted.add(`AT-${issued}`);
			return HttpResponse.json({ access_token: `AT-${issued}`, token_type: 'Bearer', expires_in: 3600 });
		}),
		// B is never to be asked anything: every request to it is counted, and fails.
		http.all(`${B}/*`, ({ request }) => {
			seen.push(request.url);
			return HttpResponse.json({ error: 'B must not be asked' }, { status: 500 });
		}),
		...[MINE, THEIRS].map((api) =>
			http.all(`${api}*`, ({ request }) => {
				if (request.url.includes('/.well-known/')) return undefined;
				const authorization = request.headers.get('authorization');
				apiSeen.push({ url: request.url, authorization });
				const token = authorization?.replace(/^Bearer /, '') ?? '';
				if (api === MINE && accepted.has(token)) return HttpResponse.json({ ok: true });
				return new HttpResponse(null, { status: 401, headers: challenge(request.url.startsWith(MCP) ? MCP : api) });
			}),
		),
	);
});

const byResource = (): Provider => oauth2({ resource: MCP, clientId: 'agent', clientSecret: SECRET });
const allowedOrigins = [MINE, THEIRS];

describe("RFC 9728 5: a 401 naming the metadata of an API that takes another server's tokens", () => {
	it("-> AuthorizationServerMismatchError naming the API, its servers and the session's; no request to B, no new token, no retry", async () => {
		const fetchWithToken = authFetch({ auth: createTokenManager(byResource(), { retry: 0 }), allowedOrigins });
		expect((await fetchWithToken(MCP)).status).toBe(200);
		const error = await fetchWithToken(`${THEIRS}orders/7`).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(AuthorizationServerMismatchError);
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.AuthorizationServerMismatch);
		expect(error).toMatchObject({ resource: THEIRS, authorizationServers: [B, 'https://as-c.test'], issuer: A, status: 401 });
		expect((error as Error).message).toBe(
			`The API ${THEIRS} takes tokens from ${B}, https://as-c.test (its metadata at ${metadataOf(THEIRS)}, RFC 9728), not from this session's authorization server ${A}. No token was sent to another server: make a session for that API, e.g. with oauth2({ resource: '${THEIRS}', clientId, … }).`,
		);
		expect((error as AuthorizationServerMismatchError).toJSON()).toMatchObject({ code: 'ERR_AUTHORIZATION_SERVER_MISMATCH', issuer: A });
		expect(JSON.stringify(error)).not.toContain('AT-1');
		expect(count(B)).toBe(0);
		// One token (the first call's), one discovery, one read of each API's metadata; the other API was asked once.
		expect(count(`${A}/token`)).toBe(1);
		expect(reads(metadataOf(THEIRS))).toBe(1);
		expect(apiSeen.filter((request) => request.url.startsWith(THEIRS))).toEqual([
			{ url: `${THEIRS}orders/7`, authorization: 'Bearer AT-1' },
		]);
	});

	it('through createClient too; the session keeps its token for its own API', async () => {
		const tokens = createTokenManager(byResource(), { retry: 0 });
		const theirs = createClient({ prefixUrl: THEIRS, auth: tokens, retry: 0 });
		const error = await theirs.get('orders').catch((e: unknown) => e);
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.AuthorizationServerMismatch);
		const mine = createClient({ prefixUrl: MINE, auth: tokens, retry: 0 });
		expect(await mine.get('mcp').json()).toEqual({ ok: true });
		expect(count(`${A}/token`)).toBe(1);
		expect(count(B)).toBe(0);
	});

	it('50 concurrent rejections -> the metadata is read once, 50 errors, 0 requests to B', async () => {
		const fetchWithToken = authFetch({ auth: createTokenManager(byResource(), { retry: 0 }), allowedOrigins });
		const errors = await Promise.all(Array.from({ length: 50 }, (_, i) => fetchWithToken(`${THEIRS}items/${i}`).catch((e: unknown) => e)));
		expect(errors.every((error) => isTokenkeeperError(error) && error.code === ErrorCode.AuthorizationServerMismatch)).toBe(true);
		expect(reads(metadataOf(THEIRS))).toBe(1);
		expect(count(`${A}/token`)).toBe(1);
		expect(count(B)).toBe(0);
	});

	it('a session with its issuer given checks the same way, without any discovery for it', async () => {
		const provider = oauth2({ issuer: A, clientId: 'agent', clientSecret: SECRET });
		const fetchWithToken = authFetch({ auth: createTokenManager(provider, { retry: 0 }), allowedOrigins });
		const error = await fetchWithToken(`${THEIRS}x`).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: ErrorCode.AuthorizationServerMismatch, issuer: A });
		expect(seen.filter((url) => url.startsWith(A))).toEqual([`${A}/.well-known/openid-configuration`, `${A}/token`]);
		expect(count(B)).toBe(0);
	});
});

describe("RFC 9728 5: a rejection whose metadata names the session's server, or cannot be used, is retried as always", () => {
	it("metadata naming the session's server (with a trailing slash): one new token, one retry, 200", async () => {
		const fetchWithToken = authFetch({ auth: createTokenManager(byResource(), { retry: 0 }), allowedOrigins });
		expect((await fetchWithToken(`${MINE}things`)).status).toBe(200);
		accepted.clear();
		expect((await fetchWithToken(`${MINE}things`)).status).toBe(200);
		expect(count(`${A}/token`)).toBe(2);
		expect(reads(metadataOf(MINE))).toBe(1);
		// The metadata is remembered: the next rejection reads nothing.
		accepted.clear();
		expect((await fetchWithToken(`${MINE}things`)).status).toBe(200);
		expect(reads(metadataOf(MINE))).toBe(1);
	});

	it.each([
		['no metadata (404)', () => new HttpResponse(null, { status: 404 })],
		['metadata without authorization servers', () => HttpResponse.json({ resource: THEIRS })],
		[
			'metadata of a resource on another origin (RFC 9728 3.3)',
			() => HttpResponse.json({ resource: 'https://else.test/', authorization_servers: [B] }),
		],
		['metadata of another path (RFC 9728 3.3)', () => HttpResponse.json({ resource: `${THEIRS}billing`, authorization_servers: [B] })],
	])(
		"%s -> the usual retry: one new token from the session's server, the second 401 returned as is; B never asked",
		async (_name, answer) => {
			metadata[metadataOf(THEIRS)] = answer;
			const fetchWithToken = authFetch({ auth: createTokenManager(byResource(), { retry: 0 }), allowedOrigins });
			expect((await fetchWithToken(`${THEIRS}orders`)).status).toBe(401);
			expect(count(`${A}/token`)).toBe(2);
			expect(apiSeen).toHaveLength(2);
			expect(count(B)).toBe(0);
		},
	);

	it('a resource_metadata URL over plain http on another origin is not fetched', async () => {
		server.use(
			http.get(
				`${THEIRS}plain`,
				() =>
					new HttpResponse(null, { status: 401, headers: { 'www-authenticate': 'Bearer resource_metadata="http://theirs.test/meta"' } }),
			),
		);
		const fetchWithToken = authFetch({ auth: createTokenManager(byResource(), { retry: 0 }), allowedOrigins });
		expect((await fetchWithToken(`${THEIRS}plain`)).status).toBe(401);
		expect(count(`${A}/token`)).toBe(2);
		expect(seen.filter((url) => url.startsWith('http:'))).toEqual([]);
	});

	it('a session that cannot tell its server (a preset; a token endpoint alone) never reads the metadata', async () => {
		server.use(
			http.post('https://squidex.test/identity-server/connect/token', () =>
				HttpResponse.json({ access_token: 'SQ-1', token_type: 'Bearer', expires_in: 3600 }),
			),
		);
		for (const provider of [
			squidex({ url: 'https://squidex.test', clientId: 'app:client', clientSecret: SECRET }),
			oauth2({ tokenEndpoint: `${A}/token`, clientId: 'agent', clientSecret: SECRET }),
		]) {
			const fetchWithToken = authFetch({ auth: createTokenManager(provider, { retry: 0 }), allowedOrigins });
			expect((await fetchWithToken(`${THEIRS}orders`)).status).toBe(401);
		}
		expect(reads(metadataOf(THEIRS))).toBe(0);
		expect(count(B)).toBe(0);
	});
});

describe('reading the challenge', () => {
	it.each([
		['Bearer resource_metadata="https://x.test/m"', 'https://x.test/m'],
		['Bearer error="invalid_token", resource_metadata="https://x.test/m", scope="a b"', 'https://x.test/m'],
		['Bearer realm="x",resource_metadata=https://x.test/m', 'https://x.test/m'],
		['DPoP algs="ES256", Bearer RESOURCE_METADATA="https://x.test/m\\"q"', 'https://x.test/m"q'],
		['Bearer realm="resource_metadata=https://evil.test"', undefined],
		['Bearer error="invalid_token"', undefined],
		[null, undefined],
	])('WWW-Authenticate %s -> %s', (header, url) => {
		expect(resourceMetadataUrlOf(header)).toBe(url);
	});

	it.each([
		['https://api.test/', 'https://api.test/orders/7', true],
		['https://api.test/orders', 'https://api.test/orders/7', true],
		['https://api.test/orders', 'https://api.test/orders', true],
		['https://api.test/orders/', 'https://api.test/orders/7?x=1', true],
		['https://api.test/orders', 'https://api.test/ordersX', false],
		['https://api.test/', 'https://other.test/orders', false],
		['https://api.test/?tenant=1', 'https://api.test/orders', false],
		['not a url', 'https://api.test/', false],
	])('metadata for %s speaks for a request to %s: %s', (resource, request, expected) => {
		expect(speaksFor(resource, request)).toBe(expected);
	});
});
