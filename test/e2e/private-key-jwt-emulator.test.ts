import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
	clientSecretJwt,
	createClient,
	createDeviceAuthorizationFlow,
	createTokenManager,
	isOAuthError,
	oauth2,
	privateKeyJwt,
} from '../../src/index.js';
import { useEmulator } from '../_helpers/emulator.js';

// deviceInterval 0: the device login's polls need not wait whole seconds.
const emulator = useEmulator({ providers: ['oauth2'], oauth2: { deviceInterval: 0 } });
afterEach(() => emulator().setDpop(undefined));

let privateKey: CryptoKey;
let kid: string;
let clientId: string;
beforeAll(async () => {
	const pair = await generateKeyPair('ES256');
	privateKey = pair.privateKey;
	// Registered without a kid: the emulator names the key by its RFC 7638 thumbprint.
	({ clientId, kid } = await emulator().registerClientKey(await exportJWK(pair.publicKey)));
});

function backend(options: { dpop?: boolean; clientAuth?: ReturnType<typeof privateKeyJwt> } = {}) {
	const { issuer } = emulator().credentials.oauth2;
	const tokens = createTokenManager(oauth2({ issuer, clientId, clientAuth: options.clientAuth ?? privateKeyJwt({ privateKey, kid }) }), {
		retry: 0,
		...(options.dpop ? { dpop: true as const } : {}),
	});
	const api = createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: tokens, retry: 0, throwHttpErrors: false });
	return { tokens, api };
}

/** The error of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => {
			throw new Error('expected a rejection');
		},
		(error: unknown) => error,
	);
}

describe('private_key_jwt against the emulator on 127.0.0.1 (tokenkeeper as the client)', () => {
	it('client credentials with privateKeyJwt: 1 token request, its assertion accepted, the token opens userinfo', async () => {
		const { tokens, api } = backend();
		const token = await tokens.getToken();
		expect(token).toMatchObject({ tokenType: 'Bearer' });
		const me = await api.get('userinfo');
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ sub: clientId, client_id: clientId });
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 1, client_credentials: 1 },
			clientAssertions: { accepted: 1, refused: { total: 0 } },
		});
	});

	it('with DPoP (nonce required): the nonce retry carries a new assertion (no replay), and the token is DPoP-bound', async () => {
		emulator().setDpop({ nonce: 'required' });
		const { tokens, api } = backend({ dpop: true });
		expect(await tokens.getToken()).toMatchObject({ tokenType: 'DPoP' });
		const counters = emulator().counters();
		// The first request is authenticated, then asked for a nonce; the retry is authenticated anew.
		expect(counters.tokenRequests.client_credentials).toBe(2);
		expect(counters.clientAssertions).toMatchObject({ accepted: 2, refused: { total: 0, replay: 0 } });
		expect(counters.dpop.refused).toMatchObject({ total: 1, nonce: 1 });
		// The bound token opens the API (after the API's own nonce round).
		expect((await api.get('userinfo')).status).toBe(200);
	});

	it('an unregistered key -> OAuthError invalid_client whose message names the check, with no assertion in it', async () => {
		const stranger = await generateKeyPair('ES256');
		const { tokens } = backend({ clientAuth: privateKeyJwt({ privateKey: stranger.privateKey, kid: 'not-registered' }) });
		const error = await rejection(tokens.getToken());
		expect(isOAuthError(error)).toBe(true);
		expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
		expect((error as Error).message).toMatch(/no key registered for the client has the assertion kid/);
		expect(JSON.stringify(error)).not.toContain('eyJ');
		expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain('eyJ');
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ total: 1, key: 1 });
	});

	it('the audience the server refuses: aud = the token endpoint URL -> invalid_client naming aud', async () => {
		const { tokens } = backend({ clientAuth: privateKeyJwt({ privateKey, kid, audience: 'token-endpoint' }) });
		const error = await rejection(tokens.getToken());
		expect(error).toMatchObject({ error: 'invalid_client', message: expect.stringMatching(/aud names an endpoint/) });
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ total: 1, aud: 1 });
	});

	it('an assertion that lives too long (lifetime 3600 s) -> invalid_client naming exp', async () => {
		const { tokens } = backend({ clientAuth: privateKeyJwt({ privateKey, kid, lifetime: 3600 }) });
		await expect(tokens.getToken()).rejects.toMatchObject({ error: 'invalid_client', message: expect.stringMatching(/lives too long/) });
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ total: 1, exp: 1 });
	});

	it('clientSecretJwt: the default client authenticates with HS256 over its secret', async () => {
		const { issuer, clientSecret } = emulator().credentials.oauth2;
		const tokens = createTokenManager(oauth2({ issuer, clientId, clientSecret, clientAuth: clientSecretJwt() }), { retry: 0 });
		await tokens.getToken();
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 1, refused: { total: 0 } });
	});

	it('a device login: the device authorization request and every poll carry an assertion, each accepted', async () => {
		const { issuer } = emulator().credentials.oauth2;
		const flow = createDeviceAuthorizationFlow(
			oauth2({ issuer, clientId, grant: 'device_code', clientAuth: privateKeyJwt({ privateKey, kid }) }),
			{ retry: 0 },
		);
		const login = await flow.start({ scope: 'profile' });
		emulator().approveDevice(login.userCode);
		await login.complete({ signal: AbortSignal.timeout(5000) });
		const counters = emulator().counters();
		expect(counters.tokenRequests.device_code).toBeGreaterThanOrEqual(1);
		// One for the device authorization request, one per poll.
		expect(counters.clientAssertions).toMatchObject({ accepted: 1 + counters.tokenRequests.device_code, refused: { total: 0 } });
	});
});
