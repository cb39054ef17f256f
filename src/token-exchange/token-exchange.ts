import { createBoundedCache } from './bounded-cache.js';
import { abortable } from '../abortable.js';
import type { DpopOption } from '../dpop/types.js';
import type { TransportOptions } from '../endpoint/index.js';
import { forTarget, tokenExchangeGrant } from '../grants.js';
import { invalidOption, requireNonNegative, requirePositiveInteger, requireString } from '../options.js';
import type { Provider } from '../provider.js';
import { normalizeScope } from '../scope.js';
import { freshUntil, type TokenSet } from '../token-set.js';
import { type ExchangeTarget, exchangeCacheKey } from './cache-key.js';
import { createExchangeEndpoint } from './exchange-endpoint.js';
import { unverifiedJwtExpiry } from './subject-expiry.js';

/** RFC 8693 3: the token type of an OAuth 2.0 access token, the default subject and actor token type. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** Options of {@link createTokenExchange}: the target every exchanged token is for, and how they are kept. */
export interface TokenExchangeOptions extends TransportOptions {
	/** The logical name of the downstream service (RFC 8693 `audience`). */
	readonly audience?: string | undefined;
	/** The downstream API's URI (RFC 8707 `resource`; sent under the provider's `resourceParameter` when it has one). */
	readonly resource?: string | undefined;
	/** The scopes to ask for (a space-separated string or a list). */
	readonly scope?: string | readonly string[] | undefined;
	/** The type of token wanted (RFC 8693 `requested_token_type`, e.g. `urn:ietf:params:oauth:token-type:access_token`). */
	readonly requestedTokenType?: string | undefined;
	/** An exchanged token is served from the cache until this many ms before it (or its subject token) expires. Default 30 000. */
	readonly leeway?: number | undefined;
	/** Most exchanged tokens kept; the least recently used goes first. Default 1 000. */
	readonly max?: number | undefined;
	/**
	 * DPoP (RFC 9449): exchanged tokens are bound to this key. `{ keyPair }` to send them with proofs of your own; `true`
	 * makes a key in memory that only this exchange's token requests use.
	 */
	readonly dpop?: DpopOption | undefined;
}

/** One exchange: the subject token to act for, and optionally the actor's. */
export interface TokenExchangeRequest {
	/** The token of the user (or party) the downstream call is on behalf of; never kept, only its SHA-256. */
	readonly subjectToken: string;
	/** Default `urn:ietf:params:oauth:token-type:access_token`. */
	readonly subjectTokenType?: string | undefined;
	/**
	 * When the subject token expires, in epoch ms, when it is not a JWT with `exp` (which is read for it): no exchanged
	 * token is served past it.
	 */
	readonly subjectTokenExpiresAt?: number | undefined;
	/** The token of the party acting for the subject (delegation, RFC 8693 1.1). */
	readonly actorToken?: string | undefined;
	/** Default `urn:ietf:params:oauth:token-type:access_token` when `actorToken` is given. */
	readonly actorTokenType?: string | undefined;
	/** Stop waiting; other callers waiting on the same exchange are not affected. */
	readonly signal?: AbortSignal | undefined;
}

/** Exchanges subject tokens for tokens of one target, cached per subject token. */
export interface TokenExchange {
	readonly provider: Provider;
	/**
	 * A token for the target on behalf of `subjectToken`: from the cache while fresh and while the subject token lives,
	 * else from one token request shared by every concurrent caller with the same subject token.
	 */
	getToken(request: TokenExchangeRequest): Promise<TokenSet>;
}

interface CachedExchange {
	readonly tokenSet: TokenSet;
	/** Epoch ms after which it is not served: the token's fresh life, cut at the subject token's expiry. */
	readonly until: number;
}

/**
 * Token exchange for a backend calling a downstream API on a user's behalf: the user's token (the subject token) is
 * traded at the authorization server for a token of the downstream API, with the client authenticated as on every
 * token request (`clientAuth`). Results are kept in a bounded LRU keyed by the subject token's SHA-256 and never served
 * past the exchanged token's expiry or the subject token's; concurrent calls for one subject token make one request.
 * A refusal (`invalid_grant`…) is an `OAuthError`, and nothing is kept.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2
 * @example
 * const downstream = createTokenExchange(oauth2({ issuer, clientId, clientAuth }), { audience: 'orders-api' });
 * const { accessToken } = await downstream.getToken({ subjectToken: incomingBearerToken });
 */
export function createTokenExchange(provider: Provider, options: TokenExchangeOptions = {}): TokenExchange {
	if (typeof provider?.clientId !== 'string') throw invalidOption('provider', 'a provider, such as `oauth2({ … })`', provider);
	const resourceName = provider.resourceParameter ?? 'resource';
	if (resourceName === 'audience' && options.audience !== undefined && options.resource !== undefined) {
		// The provider sends `resource` as `audience` (Auth0): two values would be one parameter twice.
		throw invalidOption(
			'resource',
			'left out when `audience` is given: this provider names the resource `audience`',
			options.resource,
			true,
		);
	}
	const audience = options.audience === undefined ? undefined : requireString(options.audience, 'audience');
	const resource = options.resource === undefined ? undefined : requireString(options.resource, 'resource');
	const scope = normalizeScope(options.scope);
	const requestedTokenType =
		options.requestedTokenType === undefined ? undefined : requireString(options.requestedTokenType, 'requestedTokenType');
	const leeway = requireNonNegative(options.leeway ?? 30_000, 'leeway');
	const cache = createBoundedCache<CachedExchange>(requirePositiveInteger(options.max ?? 1000, 'max'));
	const endpoint = createExchangeEndpoint(provider, options, options.dpop);
	// Rule 2, per subject token and target: the one request its callers share.
	const inflight = new Map<string, Promise<TokenSet>>();

	async function exchange(request: TokenExchangeRequest, target: ExchangeTarget, key: string): Promise<TokenSet> {
		const grant = tokenExchangeGrant({ ...target, subjectToken: request.subjectToken });
		const tokenSet = await endpoint.requestToken(forTarget(grant, provider, { resource }));
		const subjectExpiry = request.subjectTokenExpiresAt ?? unverifiedJwtExpiry(request.subjectToken);
		const until = Math.min(freshUntil(tokenSet, leeway), subjectExpiry === undefined ? Number.POSITIVE_INFINITY : subjectExpiry - leeway);
		if (endpoint.now() < until) cache.set(key, { tokenSet, until });
		return tokenSet;
	}

	async function getToken(request: TokenExchangeRequest): Promise<TokenSet> {
		const subjectToken = requireString(request?.subjectToken, 'subjectToken');
		const actorToken = request.actorToken === undefined ? undefined : requireString(request.actorToken, 'actorToken');
		const target: ExchangeTarget = {
			audience,
			resource,
			scope,
			requestedTokenType,
			subjectTokenType: request.subjectTokenType ?? ACCESS_TOKEN_TYPE,
			actorToken,
			actorTokenType: actorToken === undefined ? undefined : (request.actorTokenType ?? ACCESS_TOKEN_TYPE),
		};
		const key = await exchangeCacheKey(subjectToken, target);
		const cached = cache.get(key);
		if (cached !== undefined && endpoint.now() < cached.until) return cached.tokenSet;
		if (cached !== undefined) cache.delete(key);
		let flight = inflight.get(key);
		if (flight === undefined) {
			flight = exchange({ ...request, subjectToken }, target, key).finally(() => inflight.delete(key));
			inflight.set(key, flight);
		}
		return abortable(flight, request.signal);
	}

	return { provider, getToken };
}
