import { IdTokenError } from '../errors.js';
import { invalidOption } from '../options.js';
import type { Provider, ProviderEndpoints } from '../provider.js';
import type { EndpointStep } from '../endpoint/index.js';
import type { TokenCheck } from '../token-manager.js';
import { loadOpenId, type OpenIdContext } from './load.js';

/** What a login flow's ID token checks need from its session: its endpoints, its transport, its clock. */
export interface IdTokenCheckSession {
	endpoints(signal?: AbortSignal): Promise<ProviderEndpoints>;
	call<T>(step: EndpointStep<T>, signal?: AbortSignal): Promise<T>;
	readonly now: () => number;
}

/**
 * The issuer and keys an OpenID Provider's ID tokens are checked with, or `undefined` for a provider that names no JWKS
 * (Squidex, Dotkernel, plain OAuth2 servers), whose answers are kept as they always were.
 */
export async function openIdContext(
	provider: Provider,
	session: IdTokenCheckSession,
	signal?: AbortSignal,
): Promise<OpenIdContext | undefined> {
	const endpoints = await session.endpoints(signal);
	if (!endpoints.jwks) return undefined;
	const issuer = endpoints.issuer ?? provider.issuer;
	if (!issuer) throw invalidOption('issuer', "set, for checking the OpenID Provider's ID tokens", issuer);
	return { issuer, clientId: provider.clientId, jwks: endpoints.jwks, call: session.call, now: session.now };
}

/**
 * A login flow's check of every token response (see {@link TokenCheck}): an ID token is checked for real, in the
 * OpenID chunk, loaded on its first use, and its claims kept with it. A login that sent a nonce must get an ID token.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function createIdTokenCheck(provider: Provider, session: IdTokenCheckSession): TokenCheck {
	return async (obtained, { nonce, previous, signal }) => {
		if (obtained.idToken === undefined) {
			if (nonce === undefined) return obtained;
			throw new IdTokenError(
				'format',
				'The login asked for `openid` but the token response has no ID token (OpenID Connect Core 3.1.3.3): nothing was kept. Check that the provider is an OpenID Provider.',
			);
		}
		const context = await openIdContext(provider, session, signal);
		if (!context) return obtained;
		const openId = await loadOpenId();
		return openId.checkTokenResponse(context, obtained, { nonce, previous, signal });
	};
}
