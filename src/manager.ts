import { abortable } from './abortable.js';
import { createTokenEndpoint, type TokenEndpoint, type TransportOptions } from './endpoint/index.js';
import { LoginRequiredError, type TokenkeeperError } from './errors.js';
import { createEmitter, type TokenManagerEventName, type TokenManagerListener } from './events.js';
import type { GrantParameters } from './grants.js';
import { requireNonNegative, requireTimerDelay } from './options.js';
import type { Provider, ProviderEndpoints } from './provider.js';
import { defaultStore } from './stores/default-store.js';
import { sameTokenSet, type TokenStore } from './stores/store.js';
import { createTokenSet, isFresh, withTokenSetChanges, type TokenSet, type TokenSetInit } from './token-set.js';
import { createTokenSource } from './token-source.js';

/** Options of {@link createTokenManager}. */
export interface TokenManagerOptions extends TransportOptions {
	/** Where token sets live. Default: a private in-memory store. */
	readonly store?: TokenStore | undefined;
	/** This session's key in the store. Default: derived from provider, endpoint, client id and scope. */
	readonly key?: string | undefined;
	/** A token is fresh until this many ms before it expires. Default 30 000. */
	readonly leeway?: number | undefined;
	/** Longest time one token request may hold the store's lock, in ms. Default 60 000. */
	readonly lockTtl?: number | undefined;
}

/** Options of {@link TokenManager.getToken}. */
export interface GetTokenOptions {
	/** Stop waiting; other callers waiting on the same request are not affected. */
	readonly signal?: AbortSignal | undefined;
	/** Get a new token even if the cached one looks fresh. Joins a request already in flight. */
	readonly forceRefresh?: boolean | undefined;
}

/** Owns one session's tokens: cache, single flight, refresh, rotation, invalidation. */
export interface TokenManager {
	readonly provider: Provider;
	readonly key: string;
	/** A fresh token set: from the cache when fresh (no I/O), else from one shared token request. */
	getToken(options?: GetTokenOptions): Promise<TokenSet>;
	/** Drop `token` if it is still the cached one (rule 4). Resolves `true` when it dropped it. */
	invalidate(token: string | TokenSet): Promise<boolean>;
	/** Store tokens obtained elsewhere (e.g. an app's own login); ends a `clear()`. */
	setTokens(tokens: TokenSet | TokenSetInit): Promise<TokenSet>;
	/** Forget the session: `getToken()` throws {@link LoginRequiredError} until `setTokens()`. */
	clear(): Promise<void>;
	/** Listen to `token`, `login-required` and `error`; returns the function that unsubscribes. */
	on<E extends TokenManagerEventName>(event: E, listener: TokenManagerListener<E>): () => void;
}

/**
 * What a login flow hands to the session's owner, and all it may do with the session: it never touches the
 * store, the lock or the token endpoint itself. Internal: not exported from the package.
 */
export interface SessionSeam {
	/** The clock every expiry is computed with. */
	readonly now: () => number;
	/** The provider's endpoints (the authorization endpoint, for the login URL). */
	endpoints(signal?: AbortSignal): Promise<ProviderEndpoints>;
	/**
	 * Exchange a grant a person just gave (an authorization code) for the session's first tokens: one token request
	 * inside the session's single flight and lock, stored and announced like any other (rule 8).
	 */
	login(grant: GrantParameters, signal?: AbortSignal): Promise<TokenSet>;
	/**
	 * Revoke the session's tokens at the provider (RFC 7009), then clear it, whatever the revocation said.
	 * `revoked`: there were tokens, and every one was revoked.
	 */
	logout(): Promise<{ readonly revoked: boolean; readonly errors: readonly TokenkeeperError[] }>;
}

/** What a flight is for: a read that found no fresh token (maybe forced), or, with `grant`, a login's exchange. */
interface FlightPlan {
	readonly seen?: TokenSet | undefined;
	readonly force?: boolean;
	readonly grant?: GrantParameters;
	readonly signal?: AbortSignal | undefined;
}

const managerBrand = Symbol.for('tokenkeeper.manager');

/** True for a TokenManager from any copy of tokenkeeper. */
export function isTokenManager(value: unknown): value is TokenManager {
	return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[managerBrand] === true;
}

/**
 * The store key of a provider's session when none is given: endpoint, client id, scope and, where the preset
 * knows the user, the username. Never derived from a secret.
 */
export function defaultKey(provider: Provider): string {
	const where = provider.issuer ?? provider.endpoints?.token ?? '';
	const user = provider.username === undefined ? [] : [provider.username];
	return ['tokenkeeper', provider.name, where, provider.clientId, provider.scope ?? '', ...user].join('|');
}

function requireProvider(provider: Provider): Provider {
	if (typeof provider !== 'object' || provider === null || typeof provider.clientId !== 'string' || !provider.primaryGrant) {
		throw new TypeError('Expected a provider, such as `squidex({ clientId, clientSecret })` or `oauth2({ … })`');
	}
	return provider;
}

/**
 * Create the token manager of one session.
 * @example
 * const tokens = createTokenManager(squidex({ clientId, clientSecret }));
 * const { accessToken, expiresAt } = await tokens.getToken();
 */
export function createTokenManager(provider: Provider, options: TokenManagerOptions = {}): TokenManager {
	return createManagedSession(provider, options).manager;
}

/** A session's manager and the seam through which a login flow hands it grants. */
export function createManagedSession(provider: Provider, options: TokenManagerOptions = {}): { manager: TokenManager; seam: SessionSeam } {
	requireProvider(provider);
	const endpoint: TokenEndpoint = createTokenEndpoint(provider, options);
	const store = options.store ?? defaultStore();
	const key = options.key ?? defaultKey(provider);
	const leeway = requireNonNegative(options.leeway ?? 30_000, 'leeway');
	// It becomes the lock's timer (a longer one would fire at once and let a second token request in).
	const lockTtl = requireTimerDelay(options.lockTtl ?? 60_000, 'lockTtl');
	const emitter = createEmitter();
	const fresh = (tokenSet: TokenSet) => isFresh(tokenSet, endpoint.now(), leeway);

	let inflight: Promise<TokenSet> | undefined;
	let cleared = false;
	// Bumped by clear() and setTokens(): a request that started before must not overwrite their result.
	let generation = 0;

	function loginRequired(message: string, cause?: unknown): LoginRequiredError {
		const error = new LoginRequiredError(message, { cause });
		emitter.emit('login-required', { error });
		return error;
	}

	const { obtain, exchange } = createTokenSource({ provider, endpoint, store, key, fresh, loginRequired });

	function storeTtl(tokenSet: TokenSet): number | undefined {
		// With a refresh token the entry outlives its access token; without one it is useless once expired.
		if (tokenSet.refreshToken !== undefined || tokenSet.expiresAt === undefined) return undefined;
		return Math.max(0, tokenSet.expiresAt - endpoint.now()) + 60_000;
	}

	/** One token request for the session, inside the store's lock when it has one (rule 8). */
	async function runFlight(plan: FlightPlan, startedIn: number): Promise<TokenSet> {
		const locked = async (): Promise<TokenSet> => {
			for (;;) {
				// Inside the lock, re-read: another process or tab may have done the work already.
				const current = await store.get(key);
				if (!plan.grant && current && fresh(current) && !(plan.force && sameTokenSet(current, plan.seen))) return current;
				const { tokenSet, source, replaces } = plan.grant ? await exchange(plan.grant, current, plan.signal) : await obtain(current);
				if (generation !== startedIn) {
					// clear() or setTokens() ran meanwhile: their outcome wins over this request's.
					if (cleared) throw loginRequired('The session was cleared while a token request was in flight: log in again.');
					startedIn = generation;
					// Unless the answer continues the session now stored (a refused refresh adopts what setTokens() stored),
					// it is dropped, and everyone waiting gets the new session: as it is if fresh, else refreshed.
					// A login's code is spent, so its answer is never dropped.
					if (!plan.grant && !sameTokenSet(await store.get(key), replaces)) continue;
				}
				cleared = false;
				await store.set(key, tokenSet, { ttl: storeTtl(tokenSet) });
				emitter.emit('token', { tokenSet, source });
				return tokenSet;
			}
		};
		try {
			return store.withLock ? await store.withLock(key, locked, { ttl: lockTtl, signal: plan.signal }) : await locked();
		} catch (error) {
			emitter.emit('error', { error });
			throw error;
		}
	}

	/** Rule 2: every concurrent caller shares this one promise. */
	function startFlight(plan: FlightPlan, startedIn: number): Promise<TokenSet> {
		const flight: Promise<TokenSet> = runFlight(plan, startedIn).finally(() => {
			if (inflight === flight) inflight = undefined;
		});
		inflight = flight;
		return flight;
	}

	const manager: TokenManager = {
		provider,
		key,
		async getToken({ signal, forceRefresh = false }: GetTokenOptions = {}) {
			signal?.throwIfAborted();
			if (cleared) throw loginRequired('The session was cleared: log in again, or call setTokens().');
			// Taken before the read: a clear() while it is awaited must still stop this caller's token request.
			const startedIn = generation;
			const cached = await store.get(key);
			// Rule 1: a fresh cached token costs no I/O.
			if (!forceRefresh && cached && fresh(cached)) return cached;
			return abortable(inflight ?? startFlight({ seen: cached, force: forceRefresh }, startedIn), signal);
		},

		async invalidate(token) {
			const accessToken = typeof token === 'string' ? token : token.accessToken;
			const current = await store.get(key);
			// Rule 4: a late rejection of an older token must not drop the newer one.
			if (!current || current.accessToken !== accessToken) return false;
			// Expired at the epoch, not "now": a clock set back later must not bring a rejected token back to life.
			const expired = withTokenSetChanges(current, { expiresAt: 0 }, endpoint.now());
			if (store.compareAndSet) return store.compareAndSet(key, current, expired);
			await store.set(key, expired);
			return true;
		},

		async setTokens(tokens) {
			// Token sets keep their secrets in getters, which a spread would miss: name them.
			const init: TokenSetInit = { ...tokens, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, idToken: tokens.idToken };
			const tokenSet = createTokenSet(init, endpoint.now());
			generation += 1;
			cleared = false;
			await store.set(key, tokenSet, { ttl: storeTtl(tokenSet) });
			emitter.emit('token', { tokenSet, source: 'set' });
			return tokenSet;
		},

		async clear() {
			generation += 1;
			cleared = true;
			await store.delete(key);
		},

		on: emitter.on,
	};
	Object.defineProperty(manager, managerBrand, { value: true, enumerable: false });

	const seam: SessionSeam = {
		now: endpoint.now,
		endpoints: endpoint.endpoints,
		async login(grant, signal) {
			signal?.throwIfAborted();
			const startedIn = generation;
			// A login replaces the session whatever is cached, so it never joins a read's flight: it waits for it.
			// Bounded: every flight ends within its token request's timeouts and its lock's ttl.
			while (inflight) await inflight.catch(() => undefined);
			return abortable(startFlight({ grant, signal }, startedIn), signal);
		},
		async logout() {
			const current = await store.get(key);
			const errors = current ? await endpoint.revoke(current) : [];
			await manager.clear();
			return { revoked: current !== undefined && errors.length === 0, errors };
		},
	};
	return { manager: Object.freeze(manager), seam };
}
