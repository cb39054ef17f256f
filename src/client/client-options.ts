import { createTokenManager } from '../manager.js';
import { isTokenManager, type TokenManager } from '../token-manager.js';
import type { Provider } from '../provider.js';
import { invalidOption } from '../options.js';

/** A provider (a manager is made for it) or a ready TokenManager. */
export type Auth = Provider | TokenManager;

/**
 * The manager behind `auth`. One made here for a provider sends its token requests through `tokenFetch`, which
 * defaults to the API's `fetch` (a proxy-aware or instrumented fetch usually serves both); a TokenManager keeps
 * the transport it was made with.
 */
export function toTokenManager(auth: Auth, tokenFetch: typeof fetch | undefined): TokenManager {
	if (isTokenManager(auth)) return auth;
	return createTokenManager(auth, { fetch: tokenFetch });
}

/**
 * The origins that may receive the token, each as `origin + '/'` (`https://api.example.com/v1/` ->
 * `https://api.example.com/`): what a request URL must start with. `name` says which option was wrong.
 */
export function allowedOriginPrefixes(urls: readonly (string | URL)[], name: string): string[] {
	return urls.map((url) => {
		// Not a URL, or one without an origin (`file:`, `data:`…): both have the origin "null".
		const origin = URL.canParse(url) ? new URL(url).origin : 'null';
		if (origin === 'null') throw invalidOption(name, 'absolute http(s) URLs', String(url), true);
		return `${origin}/`;
	});
}
