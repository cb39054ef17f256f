/**
 * The OpenID Connect chunk: what a session that logs in with `openid` needs, loaded on demand (see load.ts).
 * @see https://openid.net/specs/openid-connect-core-1_0.html
 */
import { fetchJwks } from '../endpoint/jwks.js';
import { globalFetch } from '../global-fetch.js';
import { IdTokenError, LoginRequiredError, TokenResponseError } from '../errors.js';
import { invalidOption } from '../options.js';
import type { Provider, ProviderEndpoints } from '../provider.js';
import { sessionDpopOf, type TokenManager } from '../token-manager.js';
import { claimsOf, withTokenSetChanges, type TokenSet } from '../token-set.js';
import { tryParseJson } from '../try-parse-json.js';
import { checkIdToken } from './check-id-token.js';
import { createJwksSource, type JwksSource } from './jwks.js';
import type { OpenIdSession } from './id-token-check.js';
import type { ZodKit } from './zod-kit.js';

/** Where a session's ID tokens come from and are checked against. */
export interface OpenIdContext {
	readonly provider: Provider;
	readonly endpoints: ProviderEndpoints;
	readonly session: OpenIdSession;
	readonly zod: ZodKit;
}

// One JWKS cache per session (its endpoint's `call`), so that keys are fetched once, with the session's transport.
const keySources = new WeakMap<OpenIdSession['call'], JwksSource>();

function keysOf(context: OpenIdContext, url: string): JwksSource {
	const { session } = context;
	let keys = keySources.get(session.call);
	if (!keys) {
		keys = createJwksSource((signal) => session.call(fetchJwks(url), signal), session.now, context.zod);
		keySources.set(session.call, keys);
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
	const { provider, endpoints, session } = context;
	const issuer = endpoints.issuer ?? provider.issuer;
	if (!issuer) throw invalidOption('issuer', "set, for checking the OpenID Provider's ID tokens", issuer);
	if (obtained.idToken === undefined) {
		throw new IdTokenError(
			'format',
			'The login asked for `openid` but the token response has no ID token (OpenID Connect Core 3.1.3.3): nothing was kept. Check that the provider is an OpenID Provider.',
		);
	}
	const claims = await checkIdToken(obtained.idToken, keysOf(context, endpoints.jwks as string), {
		issuer,
		clientId: provider.clientId,
		nonce,
		accessToken: obtained.accessToken,
		now: session.now(),
		signal,
	});
	const before = claimsOf(previous);
	if (before && before.sub !== claims.sub) {
		throw new IdTokenError('sub', "The refreshed ID token names another user than the session's: nothing was kept. Log in again.");
	}
	return withTokenSetChanges(obtained, { claims }, session.now());
}

/** A provider that is no OpenID Provider, or does not say where its `what` is (a discovery field). */
function noOpenIdProvider(what: string) {
	return invalidOption('issuer', `an OpenID Provider's, whose discovery names a \`${what}\``, undefined);
}

/**
 * The userinfo endpoint's answer for the session's access token (with its DPoP proof when the session has `dpop`; a
 * rejected token is dropped and the request sent once more with a new one, as the clients do), used only if its `sub`
 * is the ID token's (OpenID Connect Core 5.3.4). Written here rather than through `authFetch`, which would bring a
 * second copy of the whole client into this chunk.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export async function fetchUserInfo(
	manager: TokenManager,
	{ endpoints, entry, fetchFunction = globalFetch, signal }: UserInfoRequest,
): Promise<Readonly<Record<string, unknown>>> {
	const claims = claimsOf(entry);
	if (!claims) throw new LoginRequiredError('Nobody is signed in with OpenID Connect (a login with the `openid` scope): log in first.');
	const url = endpoints.userInfo;
	if (!url) throw noOpenIdProvider('userinfo_endpoint');
	const dpop = await sessionDpopOf(manager);
	let response: Response | undefined;
	for (let attempt = 0; attempt < 2; attempt += 1) {
		const tokenSet = await manager.getToken({ signal });
		const request = () => new Request(url, { headers: { accept: 'application/json' }, signal });
		const send = (authorization: string | undefined, prepared = request()) => {
			if (authorization !== undefined) prepared.headers.set('authorization', authorization);
			return fetchFunction(prepared);
		};
		response = dpop
			? await dpop.send({ url, method: 'GET', replayable: true, send, clone: request }, tokenSet)
			: await send(`${tokenSet.tokenType} ${tokenSet.accessToken}`);
		if (response.status !== 401 || !(await manager.invalidate(tokenSet))) break;
	}
	const answer = response as Response;
	const body = tryParseJson(await answer.text()) as Record<string, unknown> | undefined;
	if (!answer.ok || typeof body?.sub !== 'string') {
		throw new TokenResponseError(`The userinfo endpoint at ${url} answered ${answer.status} without a user (no \`sub\`).`, {
			status: answer.status,
			response: answer,
		});
	}
	if (body.sub !== claims.sub) {
		throw new IdTokenError('sub', "The userinfo answer names another user than the session's ID token: it was not used.");
	}
	return Object.freeze(body);
}

/** What {@link fetchUserInfo} works with: the session's endpoints and entry (its ID token's claims), and how to send. */
export interface UserInfoRequest {
	readonly endpoints: ProviderEndpoints;
	readonly entry: TokenSet | undefined;
	/** The flow's `fetch` option, else the global `fetch`. */
	readonly fetchFunction?: typeof fetch | undefined;
	readonly signal?: AbortSignal | undefined;
}

/** What {@link endSessionResult} puts in the URL besides the client and the ID token: the app's logout options. */
export interface EndSessionRequest {
	readonly postLogoutRedirectUri?: string | undefined;
	readonly state?: string | undefined;
}

/**
 * A logout's result with where the browser goes to end the person's session at the provider (OpenID RP-Initiated
 * Logout 1.0, section 2): made here, so that an SPA whose provider has no end-session endpoint does not carry it.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function endSessionResult<T extends object>(
	result: T,
	endpoint: string,
	clientId: string,
	idToken: string | undefined,
	{ postLogoutRedirectUri, state }: EndSessionRequest,
): T & { endSessionUrl: string } {
	const url = new URL(endpoint);
	const parameters = { id_token_hint: idToken, client_id: clientId, post_logout_redirect_uri: postLogoutRedirectUri, state };
	for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.set(name, value);
	return { ...result, endSessionUrl: url.toString() };
}
