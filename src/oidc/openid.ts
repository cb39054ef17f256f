/**
 * The OpenID Connect chunk: what a session that logs in with `openid` needs, loaded on demand (see load.ts).
 * @see https://openid.net/specs/openid-connect-core-1_0.html
 */
import { authFetch } from '../client/auth-fetch.js';
import { fetchJwks } from '../endpoint/jwks.js';
import { IdTokenError, TokenResponseError } from '../errors.js';
import type { TokenManager } from '../token-manager.js';
import { claimsOf, withTokenSetChanges, type TokenSet } from '../token-set.js';
import { tryParseJson } from '../try-parse-json.js';
import { checkIdToken } from './check-id-token.js';
import { createJwksSource, type JwksSource } from './jwks.js';
import type { OpenIdContext } from './load.js';

// One JWKS cache per session (its endpoint's `call`), so that keys are fetched once, with the session's transport.
const keySources = new WeakMap<OpenIdContext['call'], JwksSource>();

function keysOf(context: OpenIdContext): JwksSource {
	let keys = keySources.get(context.call);
	if (!keys) {
		keys = createJwksSource((signal) => context.call(fetchJwks(context.jwks), signal), context.now);
		keySources.set(context.call, keys);
	}
	return keys;
}

/**
 * A token response whose ID token passed every check, with its claims (OpenID Connect Core 3.1.3.7); after a refresh
 * (`previous`), the user must be the session's (12.2).
 */
export async function checkTokenResponse(
	context: OpenIdContext,
	obtained: TokenSet,
	{ nonce, previous, signal }: { nonce: string | undefined; previous: TokenSet | undefined; signal: AbortSignal | undefined },
): Promise<TokenSet> {
	const claims = await checkIdToken(obtained.idToken as string, keysOf(context), {
		issuer: context.issuer,
		clientId: context.clientId,
		nonce,
		accessToken: obtained.accessToken,
		now: context.now(),
		signal,
	});
	const before = claimsOf(previous);
	if (before && before.sub !== claims.sub) {
		throw new IdTokenError('sub', "The refreshed ID token names another user than the session's: nothing was kept. Log in again.");
	}
	return withTokenSetChanges(obtained, { claims }, context.now());
}

/**
 * The userinfo endpoint's answer for the session's access token, used only if its `sub` is the ID token's
 * (OpenID Connect Core 5.3.4).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export async function fetchUserInfo(
	manager: TokenManager,
	url: string,
	sub: unknown,
	signal?: AbortSignal,
): Promise<Readonly<Record<string, unknown>>> {
	const response = await authFetch({ auth: manager, allowedOrigins: [new URL(url).origin] })(url, {
		headers: { accept: 'application/json' },
		signal,
	});
	const body = tryParseJson(await response.text()) as Record<string, unknown> | undefined;
	if (!response.ok || typeof body?.sub !== 'string') {
		throw new TokenResponseError(`The userinfo endpoint at ${url} answered ${response.status} without a user (no \`sub\`).`, {
			status: response.status,
			response,
		});
	}
	if (body.sub !== sub) {
		throw new IdTokenError('sub', "The userinfo answer names another user than the session's ID token: it was not used.");
	}
	return Object.freeze(body);
}

/** What {@link endSessionUrl} puts in the URL. */
export interface EndSessionParameters {
	readonly clientId: string;
	readonly idToken?: string | undefined;
	readonly postLogoutRedirectUri?: string | undefined;
	readonly state?: string | undefined;
}

/**
 * Where the browser goes to end the person's session at the provider (OpenID RP-Initiated Logout 1.0, section 2).
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function endSessionUrl(endpoint: string, { clientId, idToken, postLogoutRedirectUri, state }: EndSessionParameters): string {
	const url = new URL(endpoint);
	const parameters = { id_token_hint: idToken, client_id: clientId, post_logout_redirect_uri: postLogoutRedirectUri, state };
	for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.set(name, value);
	return url.toString();
}
