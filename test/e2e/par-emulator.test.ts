import { describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, ErrorCode, oauth2 } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import type { Emulator } from '../../src/testing/index.js';
import { useEmulator } from '../_helpers/emulator.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';

// Pushed authorization requests (RFC 9126) against the emulator's OAuth2 server on 127.0.0.1: one server requires them,
// the other takes them on request (`par: true`). The emulator's clock is ours, so a request_uri can be let expire.
let clock = Date.now();
const requiring = useEmulator({ oauth2: { requirePushedAuthorizationRequests: true }, now: () => clock });
const optional = useEmulator();

function flowOf(emulator: Emulator, confidential = false) {
	const { issuer, clientId, clientSecret, publicClientId = '' } = emulator.credentials.oauth2;
	const client = confidential ? { clientId, clientSecret } : { clientId: publicClientId };
	return createAuthorizationCodeFlow(oauth2({ issuer, ...client, redirectUri: REDIRECT_URI, grant: 'authorization_code' }), {
		attemptStorage: createMemoryStorage(),
		store: createMemoryStore(),
		retry: 0,
	});
}

/** The names of the query parameters of `url`, sorted. */
function parameterNames(url: string): string[] {
	return [...new URL(url).searchParams.keys()].sort();
}

/** What a browser gets at the authorization endpoint, not followed: the status, and the redirect when there is one. */
async function authorize(url: string): Promise<{ status: number; location: URL | undefined; body: string }> {
	const response = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
	const location = response.headers.get('location');
	return { status: response.status, location: location === null ? undefined : new URL(location), body: await response.text() };
}

describe('PAR at a server that requires it (RFC 9126 5)', () => {
	it('discovery says so: pushed_authorization_request_endpoint and require_pushed_authorization_requests: true', async () => {
		const document = (await (await fetch(`${requiring().url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
		expect(document).toMatchObject({
			pushed_authorization_request_endpoint: `${requiring().url}/oauth2/v1/par`,
			require_pushed_authorization_requests: true,
		});
	});

	it('a public client logs in with openid and a resource: the URL holds client_id and request_uri only; one push', async () => {
		const flow = flowOf(requiring());
		const [orders] = requiring().credentials.oauth2.resources;
		const url = await flow.createAuthorizationUrl({ scope: ['openid', 'orders:read'], resource: orders });
		expect(url.startsWith(`${requiring().url}/oauth2/v1/authorize?`)).toBe(true);
		expect(parameterNames(url)).toEqual(['client_id', 'request_uri']);
		expect(new URL(url).searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
		const tokens = await flow.handleCallback(await visit(url));
		expect(tokens.accessToken).toEqual(expect.any(String));
		// The nonce went in the pushed request: the ID token names it, and its check passed.
		expect(await flow.getUser()).toMatchObject({ iss: requiring().url });
		expect(requiring().counters()).toMatchObject({ pushedAuthorizationRequests: 1, tokenRequests: { authorization_code: 1 } });
	});

	it('a confidential client authenticates its push with its secret, then logs in', async () => {
		const flow = flowOf(requiring(), true);
		const url = await flow.createAuthorizationUrl({ scope: ['profile'] });
		expect(parameterNames(url)).toEqual(['client_id', 'request_uri']);
		await expect(flow.handleCallback(await visit(url))).resolves.toMatchObject({ accessToken: expect.any(String) });
		expect(requiring().counters().pushedAuthorizationRequests).toBe(1);
	});

	it('an authorization request sent directly is redirected back with invalid_request and its state', async () => {
		const { url, credentials } = requiring();
		const direct = new URL(`${url}/oauth2/v1/authorize`);
		for (const [name, value] of Object.entries({
			response_type: 'code',
			client_id: credentials.oauth2.publicClientId ?? '',
			redirect_uri: REDIRECT_URI,
			state: 'direct-state',
			code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
			code_challenge_method: 'S256',
		})) {
			direct.searchParams.set(name, value);
		}
		const { status, location } = await authorize(direct.href);
		expect(status).toBe(302);
		expect(location?.searchParams.get('error')).toBe('invalid_request');
		expect(location?.searchParams.get('error_description')).toMatch(/pushed/);
		expect(location?.searchParams.get('state')).toBe('direct-state');
		expect(location?.searchParams.has('code')).toBe(false);
	});

	it('a request_uri is single use: the second visit gets 400 invalid_request_uri', async () => {
		const url = await flowOf(requiring()).createAuthorizationUrl();
		expect((await authorize(url)).status).toBe(302);
		const again = await authorize(url);
		expect(again.status).toBe(400);
		expect(JSON.parse(again.body)).toMatchObject({ error: 'invalid_request_uri' });
	});

	it('a request_uri expires after 60 s: 400 invalid_request_uri, no code', async () => {
		const url = await flowOf(requiring()).createAuthorizationUrl();
		clock += 61_000;
		const late = await authorize(url);
		expect(late.status).toBe(400);
		expect(late.location).toBeUndefined();
		expect(JSON.parse(late.body)).toMatchObject({ error: 'invalid_request_uri', error_description: expect.stringMatching(/expired/) });
	});

	it("another client cannot spend a client's request_uri (400), and the client still can", async () => {
		const url = await flowOf(requiring()).createAuthorizationUrl();
		const stolen = new URL(url);
		stolen.searchParams.set('client_id', requiring().credentials.oauth2.clientId);
		const refused = await authorize(stolen.href);
		expect(refused.status).toBe(400);
		expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_request_uri' });
		expect((await authorize(url)).location?.searchParams.has('code')).toBe(true);
	});

	it('a push with a wrong client secret is refused: OAuthError invalid_client, no attempt kept', async () => {
		const { issuer, clientId } = requiring().credentials.oauth2;
		const flow = createAuthorizationCodeFlow(
			oauth2({ issuer, clientId, clientSecret: 'not-the-secret', redirectUri: REDIRECT_URI, grant: 'authorization_code' }),
			{ attemptStorage: createMemoryStorage(), store: createMemoryStore(), retry: 0 },
		);
		const error = await flow.createAuthorizationUrl().catch((caught: unknown) => caught);
		expect(error).toMatchObject({ name: 'OAuthError', code: ErrorCode.OAuth, error: 'invalid_client' });
		expect(String((error as Error).message)).not.toContain('not-the-secret');
	});
});

describe('PAR on request (`par: true`) at a server that does not require it', () => {
	it('discovery names the endpoint, with require_pushed_authorization_requests: false', async () => {
		const document = (await (await fetch(`${optional().url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
		expect(document).toMatchObject({
			pushed_authorization_request_endpoint: `${optional().url}/oauth2/v1/par`,
			require_pushed_authorization_requests: false,
		});
	});

	it('par: true pushes the request and the login completes; without it nothing is pushed', async () => {
		const flow = flowOf(optional());
		const url = await flow.createAuthorizationUrl({ scope: ['offline_access'], par: true });
		expect(parameterNames(url)).toEqual(['client_id', 'request_uri']);
		await expect(flow.handleCallback(await visit(url))).resolves.toMatchObject({ accessToken: expect.any(String) });
		expect(optional().counters().pushedAuthorizationRequests).toBe(1);

		const direct = await flow.createAuthorizationUrl({ scope: ['offline_access'] });
		expect(parameterNames(direct)).toContain('code_challenge');
		await expect(flow.handleCallback(await visit(direct))).resolves.toMatchObject({ accessToken: expect.any(String) });
		expect(optional().counters().pushedAuthorizationRequests).toBe(1);
	});
});
