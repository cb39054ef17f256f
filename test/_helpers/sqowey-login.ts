import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { EmulatorControls } from '../../src/testing/index.js';
import { postForm } from './transports.js';

/** A PKCE verifier and its S256 challenge, computed here so the tests do not trust the SDK's PKCE code. */
export function pkcePair(): { verifier: string; challenge: string } {
	const verifier = randomBytes(32).toString('base64url');
	return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A Sqowey token response. */
export interface SqoweyTokens {
	access_token: string;
	token_type: string;
	expires_in: number;
	refresh_token: string;
	scope: string;
}

/** GETs the authorization endpoint without following the redirect; bounded like every request here. */
export function authorizeRequest(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
	const query = new URLSearchParams(params).toString();
	return fetch(`${url}/oauth2/auth?${query}`, { redirect: 'manual', headers, signal: AbortSignal.timeout(2000) });
}

/** Drives Sqowey's login for the default public client: authorize, read the redirect, exchange the code. */
export function sqoweyLogin(emulator: EmulatorControls) {
	const { url, clientId } = emulator.credentials.sqowey;
	const redirectUri = 'http://127.0.0.1:8765/callback';

	/** The authorization request's parameters, with a fresh PKCE pair and state. */
	function authorizationParams(overrides: Record<string, string> = {}) {
		const pkce = pkcePair();
		const params: Record<string, string> = {
			response_type: 'code',
			client_id: clientId,
			redirect_uri: redirectUri,
			scope: 'identity',
			state: randomBytes(16).toString('base64url'),
			code_challenge: pkce.challenge,
			code_challenge_method: 'S256',
			...overrides,
		};
		return { params, verifier: pkce.verifier };
	}

	/** Follows `/oauth2/auth` to its redirect and returns the callback URL's parameters. */
	async function authorize(params: Record<string, string>): Promise<URLSearchParams> {
		const response = await authorizeRequest(url, params);
		expect(response.status).toBe(302);
		const location = new URL(response.headers.get('location') ?? '');
		const expected = new URL(params.redirect_uri ?? redirectUri);
		expect(`${location.origin}${location.pathname}`).toBe(`${expected.origin}${expected.pathname}`);
		return location.searchParams;
	}

	/** Exchanges a code at the token endpoint. */
	function exchange(code: string, verifier: string | undefined, overrides: Record<string, string> = {}): Promise<Response> {
		const body: Record<string, string> = { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri };
		if (verifier !== undefined) body.code_verifier = verifier;
		return postForm(`${url}/oauth2/token`, { ...body, ...overrides });
	}

	/** A complete login: the tokens of a fresh session. */
	async function login(): Promise<SqoweyTokens> {
		const { params, verifier } = authorizationParams();
		const callback = await authorize(params);
		const response = await exchange(callback.get('code') ?? '', verifier);
		expect(response.status).toBe(200);
		return (await response.json()) as SqoweyTokens;
	}

	const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
		postForm(`${url}/oauth2/token`, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, ...extra });
	const revoke = (token: string, extra: Record<string, string> = {}) =>
		postForm(`${url}/oauth2/token/revoke`, { client_id: clientId, token, ...extra });
	const me = `${url}/api/users/@me`;

	return { url, clientId, redirectUri, authorizationParams, authorize, exchange, login, refresh, revoke, me };
}
