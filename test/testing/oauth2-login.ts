import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { EmulatorControls } from '../../src/testing/index.js';
import { pkcePair } from '../_helpers/sqowey-login.js';
import { postForm } from '../_helpers/transports.js';

// Written out, not imported from src: the tests pin the documented paths.
export const OAUTH2_PATHS = {
	discovery: '/.well-known/openid-configuration',
	authorize: '/oauth2/v1/authorize',
	token: '/oauth2/v1/token',
	revoke: '/oauth2/v1/revoke',
	device: '/oauth2/v1/device',
	verify: '/oauth2/v1/device/verify',
	userinfo: '/oauth2/v1/userinfo',
} as const;

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** A token response of the OAuth2 server. */
export interface OAuth2Tokens {
	access_token: string;
	token_type: string;
	expires_in: number;
	refresh_token?: string;
	scope?: string;
}

/** A device authorization response (RFC 8628 3.2). */
export interface DeviceAuthorizationResponse {
	device_code: string;
	user_code: string;
	verification_uri: string;
	verification_uri_complete: string;
	expires_in: number;
	interval: number;
}

/** Expects an RFC 6749 error answer with this `error` and status. */
export async function expectError(response: Response, error: string, status = 400): Promise<void> {
	expect({ status: response.status, body: await response.json() }).toMatchObject({ status, body: { error } });
}

/** A GET that stays bounded and does not follow redirects. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
	return fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(2000) });
}

/**
 * Drives the emulated OAuth2 server over HTTP: the public client (`publicClientId`) logs in with PKCE and
 * starts device logins; the confidential one (`clientId`) authenticates with HTTP Basic.
 */
export function oauth2Login(emulator: EmulatorControls) {
	const { issuer, clientId: serviceId, clientSecret = '', publicClientId = '' } = emulator.credentials.oauth2;
	const url = (path: keyof typeof OAUTH2_PATHS) => `${issuer}${OAUTH2_PATHS[path]}`;
	const redirectUri = 'http://127.0.0.1:8765/callback';
	const service = { authorization: `Basic ${btoa(`${serviceId}:${clientSecret}`)}` };

	/** The authorization request's parameters for the public client, with a fresh PKCE pair and state. */
	function authorizationParams(overrides: Record<string, string> = {}) {
		const pkce = pkcePair();
		const params: Record<string, string> = {
			response_type: 'code',
			client_id: publicClientId,
			redirect_uri: redirectUri,
			scope: 'openid offline_access',
			state: randomBytes(16).toString('base64url'),
			code_challenge: pkce.challenge,
			code_challenge_method: 'S256',
			...overrides,
		};
		return { params, verifier: pkce.verifier };
	}

	/** Follows the authorization endpoint to its redirect and returns the callback URL's parameters; one `resource` each. */
	async function authorize(params: Record<string, string>, resources: readonly string[] = []): Promise<URLSearchParams> {
		const query = new URLSearchParams(params);
		for (const resource of resources) query.append('resource', resource);
		const response = await get(`${url('authorize')}?${query}`);
		expect(response.status).toBe(302);
		return new URL(response.headers.get('location') ?? '').searchParams;
	}

	/** Exchanges a code for the public client (override `client_id`, or pass headers, for another). */
	function exchange(code: string, verifier: string | undefined, overrides: Record<string, string> = {}, headers = {}) {
		const body: Record<string, string> = { grant_type: 'authorization_code', client_id: publicClientId, code, redirect_uri: redirectUri };
		if (verifier !== undefined) body.code_verifier = verifier;
		return postForm(url('token'), { ...body, ...overrides }, headers);
	}

	/** A complete login of the public client: the tokens of a fresh session. */
	async function login(): Promise<OAuth2Tokens> {
		const { params, verifier } = authorizationParams();
		const response = await exchange((await authorize(params)).get('code') ?? '', verifier);
		expect(response.status).toBe(200);
		return (await response.json()) as OAuth2Tokens;
	}

	/** Starts a device login for the public client. */
	async function startDevice(scope = 'openid offline_access'): Promise<DeviceAuthorizationResponse> {
		const response = await postForm(url('device'), { client_id: publicClientId, scope });
		expect(response.status).toBe(200);
		return (await response.json()) as DeviceAuthorizationResponse;
	}

	return {
		issuer,
		serviceId,
		publicClientId,
		redirectUri,
		service,
		url,
		authorizationParams,
		authorize,
		exchange,
		login,
		startDevice,
		clientCredentials: (extra: Record<string, string> = {}, headers: Record<string, string> = service) =>
			postForm(url('token'), { grant_type: 'client_credentials', ...extra }, headers),
		refresh: (refreshToken: string, extra: Record<string, string> = {}) =>
			postForm(url('token'), { grant_type: 'refresh_token', client_id: publicClientId, refresh_token: refreshToken, ...extra }),
		revoke: (token: string, extra: Record<string, string> = {}) => postForm(url('revoke'), { client_id: publicClientId, token, ...extra }),
		poll: (deviceCode: string, extra: Record<string, string> = {}) =>
			postForm(url('token'), { grant_type: DEVICE_CODE_GRANT, client_id: publicClientId, device_code: deviceCode, ...extra }),
		userinfo: url('userinfo'),
	};
}
