import { afterEach, describe, expect, it } from 'vitest';
import { resolveEndpoints } from '../../src/endpoint/discovery.js';
import { normalizeTransport } from '../../src/endpoint/transport.js';
import { oauth2 } from '../../src/index.js';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { postForm, transports, type Started } from '../_helpers/transports.js';
import { get, OAUTH2_PATHS } from './oauth2-login.js';

describe.each(transports)('oauth2 discovery over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		return started.emulator;
	}

	it('the discovery document names the emulator as issuer and every endpoint, grant and PKCE method', async () => {
		const emulator = await start();
		const response = await get(`${emulator.url}${OAUTH2_PATHS.discovery}`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/json');
		const url = emulator.url;
		expect(await response.json()).toMatchObject({
			issuer: url,
			authorization_endpoint: `${url}/oauth2/v1/authorize`,
			token_endpoint: `${url}/oauth2/v1/token`,
			revocation_endpoint: `${url}/oauth2/v1/revoke`,
			device_authorization_endpoint: `${url}/oauth2/v1/device`,
			userinfo_endpoint: `${url}/oauth2/v1/userinfo`,
			grant_types_supported: [
				'client_credentials',
				'authorization_code',
				'refresh_token',
				'urn:ietf:params:oauth:grant-type:device_code',
				'urn:ietf:params:oauth:grant-type:token-exchange',
			],
			code_challenge_methods_supported: ['S256'],
			response_types_supported: ['code'],
			authorization_response_iss_parameter_supported: true,
		});
		// RFC 8414's well-known name serves the same metadata.
		expect(await (await get(`${url}/.well-known/oauth-authorization-server`)).json()).toEqual(
			await (await get(`${url}${OAUTH2_PATHS.discovery}`)).json(),
		);
		// Metadata is neither a token request nor an API call.
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 0 }, apiRequests: { total: 0 } });
	});

	it('resolveEndpoints of oauth2({ issuer: emulator.url }) accepts the document', async () => {
		const emulator = await start();
		const { issuer, publicClientId } = emulator.credentials.oauth2;
		expect(issuer).toBe(emulator.url);
		const provider = oauth2({ issuer, clientId: publicClientId!, grant: 'device_code' });
		expect(await resolveEndpoints(provider, normalizeTransport({ retry: 0, timeout: 2000 }))).toEqual({
			token: `${issuer}/oauth2/v1/token`,
			authorization: `${issuer}/oauth2/v1/authorize`,
			revocation: `${issuer}/oauth2/v1/revoke`,
			deviceAuthorization: `${issuer}/oauth2/v1/device`,
			jwks: `${issuer}/oauth2/v1/jwks`,
			userInfo: `${issuer}/oauth2/v1/userinfo`,
			endSession: `${issuer}/oauth2/v1/logout`,
			pushedAuthorization: `${issuer}/oauth2/v1/par`,
			requirePushedAuthorization: false,
			issuer,
		});
	});

	it('without refresh tokens, refresh_token is not a supported grant; discovery answers GET only', async () => {
		const emulator = await start({ oauth2: { refreshTokens: false } });
		const document = (await (await get(`${emulator.url}${OAUTH2_PATHS.discovery}`)).json()) as { grant_types_supported: string[] };
		expect(document.grant_types_supported).not.toContain('refresh_token');
		const post = await postForm(`${emulator.url}${OAUTH2_PATHS.discovery}`, {});
		expect(post.status).toBe(405);
		expect(post.headers.get('allow')).toBe('GET');
	});

	it('credentials: the confidential client with its secret, the public client for PKCE and device logins, the resources', async () => {
		const emulator = await start();
		expect(emulator.credentials.oauth2).toEqual({
			issuer: emulator.url,
			clientId: 'oauth2-service',
			clientSecret: 'emulator-secret-oauth2',
			publicClientId: 'oauth2-cli',
			resources: [`${emulator.url}/orders/`, `${emulator.url}/billing/`],
		});
		await started.stop();
		const onlyPublic = await start({ oauth2: { clients: [{ clientId: 'cli' }], resources: [] } });
		expect(onlyPublic.credentials.oauth2).toEqual({ issuer: onlyPublic.url, clientId: 'cli', publicClientId: 'cli', resources: [] });
	});
});

describe('oauth2 options and providers', () => {
	it('options are validated up front: a TypeError naming the field', async () => {
		const cases: Array<[EmulatorOptions, RegExp]> = [
			[{ oauth2: { clients: [] } }, /`oauth2.clients`/],
			[{ oauth2: { clients: [{ clientId: '' }] } }, /`oauth2.clients\[0\].clientId`/],
			[{ oauth2: { clients: [{ clientId: 'a', clientSecret: '' }] } }, /`oauth2.clients\[0\].clientSecret`/],
			[{ oauth2: { clients: [{ clientId: 'a', redirectUris: ['/relative'] }] } }, /`oauth2.clients\[0\].redirectUris`.*got "\/relative"/],
			[{ oauth2: { users: [] } }, /`oauth2.users`/],
			[{ oauth2: { accessTokenLifetime: -1 } }, /`oauth2.accessTokenLifetime`/],
			[{ oauth2: { refreshTokens: 'yes' as never } }, /`oauth2.refreshTokens`/],
			[{ oauth2: { requirePushedAuthorizationRequests: 1 as never } }, /`oauth2.requirePushedAuthorizationRequests`/],
			[{ oauth2: { deviceCodeLifetime: Number.NaN } }, /`oauth2.deviceCodeLifetime`/],
			[{ oauth2: { deviceInterval: -5 } }, /`oauth2.deviceInterval`/],
		];
		for (const [options, message] of cases) {
			await expect(createEmulator(options)).rejects.toThrow(TypeError);
			await expect(createEmulator(options)).rejects.toThrow(message);
		}
	});

	it('served by default with the others; a disabled oauth2 has no routes and no device controls', async () => {
		const all = await createEmulator();
		try {
			expect((await get(`${all.url}${OAUTH2_PATHS.discovery}`)).status).toBe(200);
		} finally {
			await all.close();
		}
		const others = await createEmulator({ providers: ['squidex', 'dotkernel', 'sqowey'] });
		try {
			expect((await get(`${others.url}${OAUTH2_PATHS.discovery}`)).status).toBe(404);
			expect((await postForm(`${others.url}${OAUTH2_PATHS.token}`, { grant_type: 'client_credentials' })).status).toBe(404);
			expect(() => others.approveDevice()).toThrow(/add `oauth2` to `providers`/);
		} finally {
			await others.close();
		}
	});
});
