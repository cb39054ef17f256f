import type { AuthorizationServerConfig, IdTokenIssuer } from '../authorization-server/server-config.js';
import type { EmulatorState, OpenIdControls } from '../emulator/provider-module.js';
import { json, methodNotAllowed } from '../emulator/responses.js';
import { createEndSessionEndpoint } from './end-session.js';
import {
	idTokenFaults,
	OTHER_SUBJECT,
	userinfoFaults,
	type IdTokenFault,
	type InjectOpenIdFaultOptions,
	type UserinfoFault,
} from './faults.js';
import { createIdTokenIssuer } from './id-tokens.js';
import type { IdTokenAlg } from './jws.js';
import { SigningKeys } from './signing-keys.js';

/** What an authorization server needs to be an OpenID Provider. */
export interface OpenIdSettings {
	readonly alg: IdTokenAlg;
	/** Seconds: the access token lifetime, which ID tokens share. */
	readonly lifetime: number;
	/** The `preferred_username` of a user id, when the user is known. */
	username(subject: string): string | undefined;
}

/**
 * The OpenID Connect half of an emulated authorization server: its signing keys and JWKS, its ID tokens, the faults
 * that spoil them and its userinfo answers, and its end-session endpoint. The server's configuration takes
 * `idTokens`; its routes take `jwks` and `endSession` (once the configuration exists: `endpoints(server)`).
 */
export function createOpenIdProvider(state: EmulatorState, settings: OpenIdSettings) {
	const keys = new SigningKeys(settings.alg);
	const faults = { idToken: idTokenFaults(), userinfo: userinfoFaults() };
	const idTokens: IdTokenIssuer = createIdTokenIssuer({
		issuer: state.url,
		keys,
		faults: faults.idToken,
		counters: state.counters,
		now: state.now,
		lifetime: settings.lifetime,
		username: settings.username,
	});

	/**
	 * `GET` the JWK Set: every signing key made so far, new and old.
	 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
	 */
	async function jwks(request: Request): Promise<Response> {
		if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET'], { error: 'invalid_request' });
		return json(await keys.jwks());
	}

	/** A userinfo answer with the next userinfo fault, if any, applied. */
	function userinfoClaims(claims: Record<string, unknown>): Record<string, unknown> {
		if (faults.userinfo.take() === undefined) return claims;
		state.counters.userinfoFaultServed();
		return { ...claims, sub: OTHER_SUBJECT };
	}

	const controls: OpenIdControls = {
		async rotateSigningKey() {
			const key = await keys.rotate();
			return { kid: key.kid };
		},
		injectIdTokenFault(fault: IdTokenFault, options?: InjectOpenIdFaultOptions) {
			faults.idToken.add(fault, options);
			// Made now, so the token request that takes the fault does not wait up to a second for an RSA key.
			if (fault === 'unknown-kid' || fault === 'foreign-key') keys.prepare();
		},
		injectUserinfoFault: (fault: UserinfoFault, options?: InjectOpenIdFaultOptions) => faults.userinfo.add(fault, options),
		clearFaults() {
			faults.idToken.clear();
			faults.userinfo.clear();
		},
	};

	return {
		alg: settings.alg,
		idTokens,
		jwks,
		userinfoClaims,
		controls,
		/** The end-session endpoint of `server`, the configuration made with `idTokens`. */
		endSession: (server: AuthorizationServerConfig) => createEndSessionEndpoint(state, server, keys),
	};
}
