import { rethrowAsOwn } from '../chunk-errors.js';
import type { Provider, ProviderEndpoints } from '../provider.js';
import type { EndpointStep } from '../endpoint/index.js';
import type { TokenCheck } from '../token-manager.js';
import { loadOpenId } from './load.js';
import { zodKit } from './zod-kit.js';

/** What a login flow's OpenID Connect needs from its session: its endpoints, its transport, its clock. */
export interface OpenIdSession {
	endpoints(signal?: AbortSignal): Promise<ProviderEndpoints>;
	call<T>(step: EndpointStep<T>, signal?: AbortSignal): Promise<T>;
	readonly now: () => number;
}

/**
 * A login flow's check of every token response (see {@link TokenCheck}): an ID token from a provider that names its
 * keys (`jwks_uri`) is checked for real, in the OpenID chunk, loaded on its first use, and its claims kept with it; a
 * login that sent a nonce must get one. Other providers' answers (Squidex, Dotkernel, plain OAuth2 servers without
 * `jwks_uri`) are kept as they always were, and never load the chunk.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function createIdTokenCheck(provider: Provider, session: OpenIdSession): TokenCheck {
	return async (obtained, context) => {
		if (obtained.idToken === undefined && context.nonce === undefined) return obtained;
		const endpoints = await session.endpoints(context.signal);
		if (!endpoints.jwks) return obtained;
		const openId = await loadOpenId();
		return openId.checkTokenResponse({ provider, endpoints, session, zod: zodKit }, obtained, context).catch(rethrowAsOwn);
	};
}
