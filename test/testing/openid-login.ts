import { createHash, randomBytes } from 'node:crypto';
import {
	createLocalJWKSet,
	createRemoteJWKSet,
	decodeJwt,
	decodeProtectedHeader,
	jwtVerify,
	type JSONWebKeySet,
	type JWTPayload,
} from 'jose';
import { expect } from 'vitest';
import type { Emulator } from '../../src/testing/index.js';
import { get, oauth2Login, type OAuth2Tokens } from './oauth2-login.js';

// Written out, not imported from src: the tests pin the documented paths.
export const OPENID_PATHS = { jwks: '/oauth2/v1/jwks', endSession: '/oauth2/v1/logout' } as const;

/** A token response of a login with `openid`. */
export interface OpenIdTokens extends OAuth2Tokens {
	id_token?: string;
}

/**
 * Logs in to the emulator's OpenID Provider with the public client and checks its ID tokens with jose, the independent
 * checker: `verify` fetches the emulator's JWKS as any client would (a fresh set each time, so no cache hides a key).
 */
export function openIdLogin(emulator: Emulator) {
	const oauth2 = oauth2Login(emulator);
	const jwksUrl = `${emulator.url}${OPENID_PATHS.jwks}`;

	/** A complete login with `scope` (default `openid offline_access`) and, unless `null`, a fresh `nonce`. */
	async function login(options: { scope?: string; nonce?: string | null } = {}) {
		const nonce = options.nonce === null ? undefined : (options.nonce ?? randomBytes(16).toString('base64url'));
		const { params, verifier } = oauth2.authorizationParams({
			scope: options.scope ?? 'openid offline_access',
			...(nonce === undefined ? {} : { nonce }),
		});
		const response = await oauth2.exchange((await oauth2.authorize(params)).get('code') ?? '', verifier);
		expect(response.status).toBe(200);
		return { tokens: (await response.json()) as OpenIdTokens, nonce };
	}

	/** A refresh that must succeed: its tokens. (`refresh`, from oauth2Login, answers the raw response.) */
	async function refreshTokens(refreshToken: string): Promise<OpenIdTokens> {
		const response = await oauth2.refresh(refreshToken);
		expect(response.status).toBe(200);
		return (await response.json()) as OpenIdTokens;
	}

	/** jose's verdict on `idToken`: the issuer and the client's audience required, the JWKS fetched now. */
	function verify(idToken: string | undefined, options: { currentDate?: Date } = {}): Promise<JWTPayload> {
		const keys = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 2000, cooldownDuration: 0 });
		return jwtVerify(idToken ?? '', keys, { issuer: emulator.url, audience: oauth2.publicClientId, ...options }).then(
			(result) => result.payload,
		);
	}

	/** The JWKS as it is now. */
	async function jwks(): Promise<JSONWebKeySet> {
		const response = await get(jwksUrl);
		expect(response.status).toBe(200);
		return (await response.json()) as JSONWebKeySet;
	}

	/** jose's verdict on `idToken` against a JWKS fetched earlier (a client's cache). */
	async function verifyWithCached(idToken: string, cached: JSONWebKeySet): Promise<JWTPayload> {
		return (await jwtVerify(idToken, createLocalJWKSet(cached), { issuer: emulator.url, audience: oauth2.publicClientId })).payload;
	}

	return { ...oauth2, jwksUrl, login, refreshTokens, verify, verifyWithCached, jwks, claims: decodeJwt, header: decodeProtectedHeader };
}

/** `at_hash` as OpenID Connect Core 3.1.3.6 defines it, computed here with node:crypto. */
export function expectedAtHash(accessToken: string, hash: 'sha256' | 'sha512' = 'sha256'): string {
	const digest = createHash(hash).update(accessToken, 'ascii').digest();
	return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** The `code` of what a promise rejects with (jose's errors carry one), or `'resolved'`. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
		return 'resolved';
	} catch (error) {
		return String((error as { code?: unknown }).code);
	}
}
