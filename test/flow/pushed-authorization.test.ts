import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import {
	createAuthorizationCodeFlow,
	ErrorCode,
	InvalidOptionError,
	OAuthError,
	oauth2,
	privateKeyJwt,
	type AuthorizationCodeFlow,
} from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { computeCodeChallenge } from '../../src/pkce.js';
import { SECRET, useMockServer } from '../_helpers/token-server.js';

/*
 * Pushed authorization requests (RFC 9126): every parameter of the authorization request goes to the PAR endpoint, over
 * the session's transport (so the client authenticates), and the browser is sent with `client_id` + `request_uri` only.
 */
const AS = 'https://as.test';
const REDIRECT = 'https://app.test/callback';
const REQUEST_URI = 'urn:ietf:params:oauth:request_uri:abc123';
const ORDERS = 'https://orders.test/';
const BILLING = 'https://billing.test/';

interface SeenPush {
	readonly method: string;
	readonly contentType: string;
	readonly authorization: string | null;
	readonly form: URLSearchParams;
}

let metadata: Record<string, unknown>;
let parAnswer: () => Response;
const pushes: SeenPush[] = [];
const tokenRequests: URLSearchParams[] = [];

const server = useMockServer();
beforeEach(() => {
	pushes.length = 0;
	tokenRequests.length = 0;
	metadata = {
		issuer: AS,
		authorization_endpoint: `${AS}/authorize`,
		token_endpoint: `${AS}/token`,
		pushed_authorization_request_endpoint: `${AS}/par`,
	};
	parAnswer = () => HttpResponse.json({ request_uri: REQUEST_URI, expires_in: 60 }, { status: 201 });
	server.use(
		http.get(`${AS}/.well-known/openid-configuration`, () => HttpResponse.json(metadata)),
		http.post(`${AS}/par`, async ({ request }) => {
			pushes.push({
				method: request.method,
				contentType: request.headers.get('content-type') ?? '',
				authorization: request.headers.get('authorization'),
				form: new URLSearchParams(await request.text()),
			});
			return parAnswer();
		}),
		http.post(`${AS}/token`, async ({ request }) => {
			tokenRequests.push(new URLSearchParams(await request.text()));
			return HttpResponse.json({ access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600 });
		}),
	);
});

function flowOf(options: { clientSecret?: string; clientAuth?: ReturnType<typeof privateKeyJwt> } = {}): AuthorizationCodeFlow {
	return createAuthorizationCodeFlow(
		oauth2({ issuer: AS, clientId: 'app', grant: 'authorization_code', redirectUri: REDIRECT, ...options }),
		{ attemptStorage: createMemoryStorage(), storage: 'memory', retry: 0 },
	);
}

/** The JSON payload of a compact JWS, read without checking it (jose checks assertions in test/client-auth). */
function payloadOf(jws: string): Record<string, unknown> {
	const part = jws.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
	return JSON.parse(atob(part)) as Record<string, unknown>;
}

describe('par: true', () => {
	it('the pushed request holds PKCE, state, nonce, every resource and the extra parameters; the URL only client_id and request_uri', async () => {
		metadata.jwks_uri = `${AS}/jwks`;
		const url = new URL(
			await flowOf().createAuthorizationUrl({ scope: ['openid', 'orders:read'], resource: [ORDERS, BILLING], prompt: 'login', par: true }),
		);
		expect(`${url.origin}${url.pathname}`).toBe(`${AS}/authorize`);
		expect([...url.searchParams]).toEqual([
			['client_id', 'app'],
			['request_uri', REQUEST_URI],
		]);
		expect(pushes).toHaveLength(1);
		const [{ method, contentType, form }] = pushes as [SeenPush];
		expect(method).toBe('POST');
		expect(contentType).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(form)).toMatchObject({
			response_type: 'code',
			client_id: 'app',
			redirect_uri: REDIRECT,
			scope: 'openid orders:read',
			code_challenge_method: 'S256',
			prompt: 'login',
		});
		expect(form.get('state')).toMatch(/^[\w-]{20,}$/);
		expect(form.get('nonce')).toMatch(/^[\w-]{20,}$/);
		expect(form.get('code_challenge')).toMatch(/^[\w-]{43}$/);
		expect(form.getAll('resource')).toEqual([ORDERS, BILLING]);
		expect(form.getAll('client_id')).toHaveLength(1);
		expect(form.has('request_uri')).toBe(false);
		expect(form.has('code_verifier')).toBe(false);
	});

	it('the attempt is kept as for any login: the callback with the pushed state exchanges the code with its verifier', async () => {
		const login = flowOf();
		await login.createAuthorizationUrl({ scope: ['orders:read'], par: true });
		const pushed = pushes[0]!.form;
		const callback = `${REDIRECT}?code=CODE-1&state=${pushed.get('state')}&iss=${encodeURIComponent(AS)}`;
		await expect(login.handleCallback(callback)).resolves.toMatchObject({ accessToken: 'AT-1' });
		const verifier = tokenRequests[0]!.get('code_verifier')!;
		expect(await computeCodeChallenge(verifier)).toBe(pushed.get('code_challenge'));
	});

	it('a public client names itself with client_id only: no secret, no Authorization header', async () => {
		await flowOf().createAuthorizationUrl({ par: true });
		const [{ authorization, form }] = pushes as [SeenPush];
		expect(authorization).toBeNull();
		expect(form.get('client_id')).toBe('app');
		expect(form.has('client_secret')).toBe(false);
		expect(form.has('client_assertion')).toBe(false);
	});

	it('a confidential client authenticates its push as at the token endpoint (its secret)', async () => {
		await flowOf({ clientSecret: SECRET }).createAuthorizationUrl({ par: true });
		const [{ authorization, form }] = pushes as [SeenPush];
		expect(form.get('client_secret') === SECRET || authorization?.startsWith('Basic ')).toBe(true);
	});

	it('privateKeyJwt: the push carries a client assertion, its aud the issuer, added by the session', async () => {
		const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
		await flowOf({ clientAuth: privateKeyJwt({ privateKey }) }).createAuthorizationUrl({ par: true });
		const [{ form }] = pushes as [SeenPush];
		expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
		expect(payloadOf(form.get('client_assertion')!)).toMatchObject({ aud: AS, iss: 'app', sub: 'app' });
	});

	it('a session with DPoP pushes dpop_jkt, the JWK thumbprint of its key (RFC 9449 10)', async () => {
		const login = createAuthorizationCodeFlow(oauth2({ issuer: AS, clientId: 'app', grant: 'authorization_code', redirectUri: REDIRECT }), {
			attemptStorage: createMemoryStorage(),
			storage: 'memory',
			retry: 0,
			dpop: true,
		});
		await login.createAuthorizationUrl({ par: true });
		expect(pushes[0]!.form.get('dpop_jkt')).toMatch(/^[\w-]{43}$/);
	});

	it('par: true at a server without a PAR endpoint -> InvalidOptionError naming `par`; nothing sent', async () => {
		delete metadata.pushed_authorization_request_endpoint;
		const error = await flowOf()
			.createAuthorizationUrl({ par: true })
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(InvalidOptionError);
		expect(error).toMatchObject({ code: ErrorCode.InvalidOption, option: 'par' });
		expect(pushes).toHaveLength(0);
	});

	it('par that is not a boolean -> InvalidOptionError naming `par`', async () => {
		await expect(flowOf().createAuthorizationUrl({ par: 'yes' as unknown as boolean })).rejects.toMatchObject({
			code: ErrorCode.InvalidOption,
			option: 'par',
		});
	});
});

describe('required by the server (require_pushed_authorization_requests)', () => {
	it('the request is pushed without par, and even with par: false', async () => {
		metadata.require_pushed_authorization_requests = true;
		for (const par of [undefined, false]) {
			const url = new URL(await flowOf().createAuthorizationUrl({ scope: 'orders:read', par }));
			expect([...url.searchParams.keys()]).toEqual(['client_id', 'request_uri']);
		}
		expect(pushes).toHaveLength(2);
	});

	it('a server that requires PAR but names no endpoint -> InvalidOptionError naming `par`', async () => {
		metadata.require_pushed_authorization_requests = true;
		delete metadata.pushed_authorization_request_endpoint;
		await expect(flowOf().createAuthorizationUrl()).rejects.toMatchObject({ code: ErrorCode.InvalidOption, option: 'par' });
	});

	it('a server that does not require it gets a plain authorization URL: nothing pushed', async () => {
		metadata.require_pushed_authorization_requests = false;
		const url = new URL(await flowOf().createAuthorizationUrl({ scope: 'orders:read' }));
		expect(url.searchParams.get('code_challenge_method')).toBe('S256');
		expect(pushes).toHaveLength(0);
	});
});

describe("the PAR endpoint's answer", () => {
	it('an error answer -> OAuthError with its error and description (the secret never in it); no attempt kept', async () => {
		parAnswer = () => HttpResponse.json({ error: 'invalid_request', error_description: `bad redirect_uri for ${SECRET}` }, { status: 400 });
		const login = flowOf({ clientSecret: SECRET });
		const error = await login.createAuthorizationUrl({ par: true }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(OAuthError);
		expect(error).toMatchObject({ code: ErrorCode.OAuth, error: 'invalid_request', status: 400 });
		expect(JSON.stringify(error) + (error as Error).message).not.toContain(SECRET);
		// The refused push kept no attempt: a callback with its state matches no login.
		const callback = `${REDIRECT}?code=C&state=${pushes[0]!.form.get('state')}&iss=${encodeURIComponent(AS)}`;
		await expect(login.handleCallback(callback)).rejects.toMatchObject({ error: 'state_mismatch' });
	});

	it('a 201 without request_uri -> TokenResponseError (ERR_TOKEN_RESPONSE)', async () => {
		parAnswer = () => HttpResponse.json({ expires_in: 60 }, { status: 201 });
		await expect(flowOf().createAuthorizationUrl({ par: true })).rejects.toMatchObject({
			name: 'TokenResponseError',
			code: ErrorCode.TokenResponse,
			status: 201,
		});
	});

	it('an expires_in that is no positive number -> TokenResponseError', async () => {
		parAnswer = () => HttpResponse.json({ request_uri: REQUEST_URI, expires_in: '60' }, { status: 201 });
		await expect(flowOf().createAuthorizationUrl({ par: true })).rejects.toMatchObject({ code: ErrorCode.TokenResponse });
	});
});
