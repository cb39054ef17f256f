import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, ErrorCode, isTokenkeeperError, oauth2, type AuthorizationCodeFlow } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { useMockServer } from '../_helpers/token-server.js';

/*
 * A person logs in to use an API known only by its URL: the login goes to the authorization server its metadata names
 * (RFC 9728), and the `iss` of the answer must name that server (RFC 9207), as it would for a configured issuer.
 */
const MCP = 'https://mcp.test/mcp';
const AS = 'https://as.test';
const REDIRECT = 'https://app.test/callback';
const tokenRequests: Array<Record<string, string>> = [];

const server = useMockServer();
beforeEach(() => {
	tokenRequests.length = 0;
	server.use(
		http.get('https://mcp.test/.well-known/oauth-protected-resource/mcp', () =>
			HttpResponse.json({ resource: MCP, authorization_servers: [AS] }),
		),
		http.get(`${AS}/.well-known/oauth-authorization-server`, () =>
			HttpResponse.json({ issuer: AS, authorization_endpoint: `${AS}/authorize`, token_endpoint: `${AS}/token` }),
		),
		http.post(`${AS}/token`, async ({ request }) => {
			tokenRequests.push(Object.fromEntries(new URLSearchParams(await request.text())));
			return HttpResponse.json({ access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'RT-1' });
		}),
	);
});

function flow(): AuthorizationCodeFlow {
	return createAuthorizationCodeFlow(oauth2({ resource: MCP, clientId: 'app', grant: 'authorization_code', redirectUri: REDIRECT }), {
		attemptStorage: createMemoryStorage(),
		storage: 'memory',
		retry: 0,
	});
}

async function callbackWith(login: AuthorizationCodeFlow, iss: string): Promise<string> {
	const url = new URL(await login.createAuthorizationUrl({ scope: ['tools'] }));
	expect(`${url.origin}${url.pathname}`).toBe(`${AS}/authorize`);
	return `${REDIRECT}?code=CODE-1&state=${url.searchParams.get('state')}&iss=${encodeURIComponent(iss)}`;
}

describe('RFC 9207 with RFC 9728: the issuer of a login found from its API is the one discovered', () => {
	it('an answer whose iss names the discovered server is accepted: the code is exchanged at its token endpoint', async () => {
		const login = flow();
		await expect(login.handleCallback(await callbackWith(login, AS))).resolves.toMatchObject({ accessToken: 'AT-1' });
		expect(tokenRequests).toEqual([expect.objectContaining({ grant_type: 'authorization_code', code: 'CODE-1' })]);
	});

	it('an answer whose iss names another server -> AuthorizationResponseError iss_mismatch; the code is never sent', async () => {
		const login = flow();
		const error = await login.handleCallback(await callbackWith(login, 'https://evil.test')).catch((e: unknown) => e);
		expect(isTokenkeeperError(error) && `${error.code}:${(error as { error?: string }).error}`).toBe(
			`${ErrorCode.AuthorizationResponse}:iss_mismatch`,
		);
		expect((error as Error).message).toContain(`not "${AS}"`);
		expect(tokenRequests).toEqual([]);
	});
});
