import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolveEndpoints } from '../../src/endpoint/discovery.js';
import { normalizeTransport } from '../../src/endpoint/transport.js';
import { createTokenManager, ErrorCode, oauth2, TokenResponseError, type Provider } from '../../src/index.js';
import { authorizationServerMetadataUrl, protectedResourceMetadataUrl } from '../../src/resource-metadata.js';
import { SECRET, useMockServer } from '../_helpers/token-server.js';

const MCP = 'https://mcp.test/mcp';
const PRM_URL = 'https://mcp.test/.well-known/oauth-protected-resource/mcp';
const AS = 'https://as.test';
const RFC8414_URL = `${AS}/.well-known/oauth-authorization-server`;
const OIDC_URL = `${AS}/.well-known/openid-configuration`;
const TOKEN_URL = `${AS}/oauth/token`;
const AS_METADATA = {
	issuer: AS,
	token_endpoint: TOKEN_URL,
	authorization_endpoint: `${AS}/oauth/authorize`,
	revocation_endpoint: `${AS}/oauth/revoke`,
};

/** What each endpoint was asked, in order, by URL; and the token requests' bodies. */
const seen: string[] = [];
const tokenBodies: Array<Record<string, string>> = [];
let answers: Record<string, () => Response> = {};

function answering(url: string) {
	return http.get(url, ({ request }) => {
		seen.push(request.url);
		return (answers[request.url] ?? (() => new HttpResponse('Not Found', { status: 404 })))();
	});
}

const server = useMockServer();
beforeEach(() => {
	seen.length = 0;
	tokenBodies.length = 0;
	answers = {
		[PRM_URL]: () => HttpResponse.json({ resource: MCP, authorization_servers: [AS], scopes_supported: ['tools'] }),
		[RFC8414_URL]: () => HttpResponse.json(AS_METADATA),
	};
	server.use(
		...[
			PRM_URL,
			RFC8414_URL,
			OIDC_URL,
			'https://as.test/.well-known/oauth-authorization-server/tenant',
			`${AS}/tenant/.well-known/openid-configuration`,
		].map(answering),
		http.post(TOKEN_URL, async ({ request }) => {
			seen.push(request.url);
			tokenBodies.push(Object.fromEntries(new URLSearchParams(await request.text())));
			return HttpResponse.json({ access_token: `AT-${tokenBodies.length}`, token_type: 'Bearer', expires_in: 3600 });
		}),
	);
});

const transport = () => normalizeTransport({ retry: 0, timeout: 500 });
const mcpProvider = (): Provider => oauth2({ resource: MCP, clientId: 'agent', clientSecret: SECRET });
const failureOf = (provider: Provider) => resolveEndpoints(provider, transport()).catch((error: unknown) => error);

describe('RFC 9728 3.1 and RFC 8414 3.1: where the metadata is', () => {
	it.each([
		['https://mcp.test/mcp', 'https://mcp.test/.well-known/oauth-protected-resource/mcp'],
		['https://api.test', 'https://api.test/.well-known/oauth-protected-resource'],
		['https://api.test/', 'https://api.test/.well-known/oauth-protected-resource'],
		['https://api.test/orders/', 'https://api.test/.well-known/oauth-protected-resource/orders/'],
		['https://api.test:8443/a/b?tenant=1', 'https://api.test:8443/.well-known/oauth-protected-resource/a/b?tenant=1'],
		['http://127.0.0.1:3000/mcp', 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp'],
	])('resource %s -> %s (inserted between host and path; a path of only "/" dropped)', (resource, url) => {
		expect(protectedResourceMetadataUrl(resource)).toBe(url);
	});

	it.each([
		['https://as.test', 'https://as.test/.well-known/oauth-authorization-server'],
		['https://as.test/', 'https://as.test/.well-known/oauth-authorization-server'],
		['https://as.test/tenant', 'https://as.test/.well-known/oauth-authorization-server/tenant'],
		['https://as.test/tenant/', 'https://as.test/.well-known/oauth-authorization-server/tenant'],
	])('issuer %s -> %s (its trailing slash removed)', (issuer, url) => {
		expect(authorizationServerMetadataUrl(issuer)).toBe(url);
	});
});

describe('oauth2({ resource }) alone: the API tells where to log in (RFC 9728)', () => {
	it('an API known only by its URL: 1 metadata read, 1 authorization server discovery, then 1 token for 20 concurrent callers', async () => {
		const tokens = createTokenManager(mcpProvider(), { retry: 0 });
		const results = await Promise.all(Array.from({ length: 20 }, () => tokens.getToken()));
		expect(new Set(results.map((tokenSet) => tokenSet.accessToken))).toEqual(new Set(['AT-1']));
		expect(seen).toEqual([PRM_URL, RFC8414_URL, TOKEN_URL]);
		// Later token requests reuse the discovery: one more token request, no document read again.
		await tokens.getToken({ forceRefresh: true });
		expect(seen).toEqual([PRM_URL, RFC8414_URL, TOKEN_URL, TOKEN_URL]);
		expect(tokenBodies[0]).toMatchObject({ grant_type: 'client_credentials' });
		expect(tokens.provider.resource).toBe(MCP);
	});

	it('the discovered endpoints carry the issuer they were discovered for: the authorization server the metadata named', async () => {
		const endpoints = await resolveEndpoints(mcpProvider(), transport());
		expect(endpoints).toEqual({
			token: TOKEN_URL,
			authorization: AS_METADATA.authorization_endpoint,
			revocation: AS_METADATA.revocation_endpoint,
			deviceAuthorization: undefined,
			issuer: AS,
		});
	});

	it('RFC 9728 3.3: metadata for another resource -> TokenResponseError naming the URL and both resources; nothing else is asked', async () => {
		answers[PRM_URL] = () => HttpResponse.json({ resource: 'https://mcp.test/', authorization_servers: ['https://evil.test'] });
		const error = await failureOf(mcpProvider());
		expect(error).toBeInstanceOf(TokenResponseError);
		expect(error).toMatchObject({ code: ErrorCode.TokenResponse, status: 200 });
		expect((error as Error).message).toBe(
			`The protected resource metadata at ${PRM_URL} is for "https://mcp.test/", not "${MCP}", and is not used (RFC 9728 3.3). Set \`resource\` to the API's resource identifier, exactly.`,
		);
		expect(seen).toEqual([PRM_URL]);
	});

	it('RFC 8414 3.3: authorization server metadata naming another issuer -> TokenResponseError; no token request', async () => {
		answers[RFC8414_URL] = () => HttpResponse.json({ ...AS_METADATA, issuer: 'https://evil.test' });
		const tokens = createTokenManager(mcpProvider(), { retry: 0 });
		const error = await tokens.getToken().catch((e: unknown) => e);
		expect(error).toMatchObject({ code: ErrorCode.TokenResponse, status: 200 });
		expect((error as Error).message).toContain(
			`Authorization server metadata (RFC 8414) at ${RFC8414_URL} names another issuer ("https://evil.test")`,
		);
		expect((error as Error).message).toContain(`the metadata of ${MCP} names`);
		expect((error as Error).message).not.toContain(SECRET);
		expect(seen).toEqual([PRM_URL, RFC8414_URL]);
	});

	it('no RFC 8414 metadata (404) -> OpenID discovery is used: 1 read of each, then the token', async () => {
		delete answers[RFC8414_URL];
		answers[OIDC_URL] = () => HttpResponse.json(AS_METADATA);
		const tokens = createTokenManager(mcpProvider(), { retry: 0 });
		await expect(tokens.getToken()).resolves.toMatchObject({ accessToken: 'AT-1' });
		expect(seen).toEqual([PRM_URL, RFC8414_URL, OIDC_URL, TOKEN_URL]);
	});

	it('an HTML page where RFC 8414 metadata should be (a catch-all route) -> OpenID discovery is used', async () => {
		answers[RFC8414_URL] = () => new HttpResponse('<!doctype html><title>App</title>', { headers: { 'content-type': 'text/html' } });
		answers[OIDC_URL] = () => HttpResponse.json(AS_METADATA);
		await expect(resolveEndpoints(mcpProvider(), transport())).resolves.toMatchObject({ token: TOKEN_URL, issuer: AS });
		expect(seen).toEqual([PRM_URL, RFC8414_URL, OIDC_URL]);
	});

	it('an OpenID configuration naming another issuer is refused too', async () => {
		delete answers[RFC8414_URL];
		answers[OIDC_URL] = () => HttpResponse.json({ ...AS_METADATA, issuer: 'https://evil.test' });
		const error = await failureOf(mcpProvider());
		expect((error as Error).message).toContain(`OpenID discovery at ${OIDC_URL} names another issuer ("https://evil.test")`);
	});

	it('neither document -> TokenResponseError naming both URLs and their statuses', async () => {
		delete answers[RFC8414_URL];
		const error = await failureOf(mcpProvider());
		expect(error).toMatchObject({ code: ErrorCode.TokenResponse, status: 404 });
		expect((error as Error).message).toBe(
			`OpenID discovery at ${OIDC_URL} answered 404 without a usable configuration. Nor has it RFC 8414 metadata (${RFC8414_URL} answered 404). It is the authorization server the metadata of ${MCP} names: check that server, or pass \`issuer\` or \`tokenEndpoint\` instead of \`resource\` alone.`,
		);
	});

	it('an authorization server with a path: RFC 8414 inserted before the path, OpenID discovery appended to it', async () => {
		const tenant = `${AS}/tenant`;
		answers[PRM_URL] = () => HttpResponse.json({ resource: MCP, authorization_servers: [`${tenant}/`] });
		answers[`${tenant}/.well-known/openid-configuration`] = () => HttpResponse.json({ ...AS_METADATA, issuer: tenant });
		await expect(resolveEndpoints(mcpProvider(), transport())).resolves.toMatchObject({ issuer: tenant });
		expect(seen).toEqual([
			PRM_URL,
			'https://as.test/.well-known/oauth-authorization-server/tenant',
			`${tenant}/.well-known/openid-configuration`,
		]);
	});

	it.each([
		['no authorization_servers', {}, 'names no authorization server'],
		['an empty list', { authorization_servers: [] }, 'names no authorization server'],
		[
			'an http server across the network',
			{ authorization_servers: ['http://as.test'] },
			'not an https URL without query or fragment ("http://as.test")',
		],
		['a server with a query', { authorization_servers: ['https://as.test?x=1'] }, 'not an https URL'],
		['a number', { authorization_servers: [42] }, '(42)'],
	])('metadata with %s -> TokenResponseError; the server is never asked', async (_name, fields, message) => {
		answers[PRM_URL] = () => HttpResponse.json({ resource: MCP, ...fields });
		const error = await failureOf(mcpProvider());
		expect(error).toMatchObject({ code: ErrorCode.TokenResponse });
		expect((error as Error).message).toContain(`The protected resource metadata at ${PRM_URL} `);
		expect((error as Error).message).toContain(message);
		expect(seen).toEqual([PRM_URL]);
	});

	it('no metadata (404, or not JSON) -> TokenResponseError naming the URL and the status', async () => {
		delete answers[PRM_URL];
		const error = await failureOf(mcpProvider());
		expect(error).toMatchObject({ code: ErrorCode.TokenResponse, status: 404 });
		expect((error as Error).message).toBe(
			`The protected resource metadata at ${PRM_URL} answered 404 without a usable document (RFC 9728). Check that \`resource\` is the API's resource identifier.`,
		);
	});

	it('bounded like OpenID discovery: a body over 1 MiB is refused as too large, naming the endpoint', async () => {
		answers[PRM_URL] = () => new HttpResponse(' '.repeat(1024 * 1024 + 1), { headers: { 'content-type': 'application/json' } });
		const error = await failureOf(mcpProvider());
		expect((error as Error).message).toContain('The protected resource metadata endpoint at mcp.test answered 200 with a body too large');
	});

	it('a failed discovery is not cached: the next call reads the metadata again, and succeeds', async () => {
		const first = answers[PRM_URL]!;
		answers[PRM_URL] = () => new HttpResponse('<h1>Bad Gateway</h1>', { status: 502 });
		const provider = mcpProvider();
		expect(await failureOf(provider)).toMatchObject({ status: 502 });
		answers[PRM_URL] = first;
		await expect(resolveEndpoints(provider, transport())).resolves.toMatchObject({ token: TOKEN_URL });
		expect(seen).toEqual([PRM_URL, PRM_URL, RFC8414_URL]);
	});
});
