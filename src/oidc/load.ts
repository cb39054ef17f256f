import type { EndpointStep } from '../endpoint/index.js';
import { once } from '../once.js';

/** Where an OpenID Provider's ID tokens come from and are checked against; one per session. */
export interface OpenIdContext {
	/** The issuer identifier, exactly as its discovery document names it. */
	readonly issuer: string;
	readonly clientId: string;
	/** The JWKS URL (`jwks_uri`). */
	readonly jwks: string;
	call<T>(step: EndpointStep<T>, signal?: AbortSignal): Promise<T>;
	readonly now: () => number;
}

/**
 * The OpenID Connect chunk (ID token checks, JWKS, userinfo, end-session URL), loaded with `import()` when first
 * needed, as DPoP is: an SPA that never logs in with `openid` does not carry it.
 */
export const loadOpenId = once(() => import('./openid.js'));
