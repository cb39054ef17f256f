import { abortable } from './abortable.js';
import { resolveEndpoints } from './discovery.js';
import { requestToken, type GrantParameters } from './endpoint.js';
import { isOAuthError, LoginRequiredError } from './errors.js';
import { createEmitter, type TokenManagerEventName, type TokenManagerListener } from './events.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { passwordGrant } from './grants/password.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { Provider } from './provider.js';
import { defaultStore } from './stores/default-store.js';
import { sameTokenSet, type TokenStore } from './stores/store.js';
import { createTokenSet, isFresh, withTokenSetChanges, type TokenSet, type TokenSetInit } from './token-set.js';
import { normaliseTransport, requireNonNegative, requireTimerDelay, type TransportOptions } from './transport.js';

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

/** A token request's answer, and the stored token set it takes the place of (`undefined`: none). */
interface Obtained {
	readonly tokenSet: TokenSet;
	readonly source: 'grant' | 'refresh';
	readonly replaces: TokenSet | undefined;
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
	requireProvider(provider);
	const transport = normaliseTransport(options);
	const store = options.store ?? defaultStore();
	const key = options.key ?? defaultKey(provider);
	const leeway = requireNonNegative(options.leeway ?? 30_000, 'leeway');
	// It becomes the lock's timer (a longer one would fire at once and let a second token request in).
	const lockTtl = requireTimerDelay(options.lockTtl ?? 60_000, 'lockTtl');
	const emitter = createEmitter();
	const fresh = (tokenSet: TokenSet) => isFresh(tokenSet, transport.now(), leeway);

	let inflight: Promise<TokenSet> | undefined;
	let cleared = false;
	// Bumped by clear() and setTokens(): a request that started before must not overwrite their result.
	let generation = 0;

	function loginRequired(message: string, cause?: unknown): LoginRequiredError {
		const error = new LoginRequiredError(message, { cause });
		emitter.emit('login-required', { error });
		return error;
	}

	const canGrantUnattended =
		provider.primaryGrant.type === 'client_credentials' ||
		(provider.primaryGrant.type === 'password' && provider.primaryGrant.credentials !== undefined);

	async function primaryGrant(): Promise<TokenSet> {
		const endpoints = await resolveEndpoints(provider, transport);
		const grant = provider.primaryGrant;
		let parameters: GrantParameters;
		if (grant.type === 'password' && grant.credentials) {
			parameters = passwordGrant(await grant.credentials(), provider.scope);
		} else {
			parameters = clientCredentialsGrant(provider.scope);
		}
		return requestToken(provider, endpoints.token, parameters, transport);
	}

	async function refreshGrant(current: TokenSet & { refreshToken: string }): Promise<TokenSet> {
		const endpoints = await resolveEndpoints(provider, transport);
		const next = await requestToken(
			provider,
			endpoints.refresh ?? endpoints.token,
			refreshTokenGrant(current.refreshToken, provider.scope),
			transport,
		);
		// Rule 3: a server that does not rotate sends no refresh token; the old one stays valid.
		if (next.refreshToken !== undefined) return next;
		return withTokenSetChanges(next, { refreshToken: current.refreshToken }, transport.now());
	}

	/** Rule 3 (refresh before re-login) and rule 8 (re-read before declaring the session dead). */
	async function obtain(current: TokenSet | undefined, retriesAfterRotation = 1): Promise<Obtained> {
		if (current?.refreshToken !== undefined) {
			try {
				return { tokenSet: await refreshGrant(current as TokenSet & { refreshToken: string }), source: 'refresh', replaces: current };
			} catch (error) {
				// Network errors, timeouts and 5xx never cost the session its refresh token.
				if (!isOAuthError(error) || !provider.isRefreshRejected(error)) throw error;
				const latest = await store.get(key);
				if (latest && !sameTokenSet(latest, current) && retriesAfterRotation > 0) {
					// Another tab or process rotated the refresh token while we used the old one.
					if (fresh(latest)) return { tokenSet: latest, source: 'refresh', replaces: latest };
					return obtain(latest, retriesAfterRotation - 1);
				}
				await dropSession(current);
				if (!canGrantUnattended) {
					throw loginRequired(
						`The refresh token was refused (${error.error}): the session has ended. Log in again.`,
						error,
					);
				}
				return { tokenSet: await primaryGrant(), source: 'grant', replaces: undefined };
			}
		} else if (!canGrantUnattended) {
			throw loginRequired(
				current
					? 'The access token expired and there is no refresh token: log in again.'
					: 'No tokens yet: log in first (or call setTokens()).',
			);
		}
		return { tokenSet: await primaryGrant(), source: 'grant', replaces: current };
	}

	async function dropSession(current: TokenSet): Promise<void> {
		if (store.compareAndSet) await store.compareAndSet(key, current, undefined);
		else await store.delete(key);
	}

	function storeTtl(tokenSet: TokenSet): number | undefined {
		// With a refresh token the entry outlives its access token; without one it is useless once expired.
		if (tokenSet.refreshToken !== undefined || tokenSet.expiresAt === undefined) return undefined;
		return Math.max(0, tokenSet.expiresAt - transport.now()) + 60_000;
	}

	/** One token request for the session, inside the store's lock when it has one (rule 8). */
	async function runFlight(seen: TokenSet | undefined, force: boolean, startedIn: number): Promise<TokenSet> {
		const locked = async (): Promise<TokenSet> => {
			for (;;) {
				// Inside the lock, re-read: another process or tab may have done the work already.
				const current = await store.get(key);
				if (current && fresh(current) && !(force && sameTokenSet(current, seen))) return current;
				const { tokenSet, source, replaces } = await obtain(current);
				if (generation !== startedIn) {
					// clear() or setTokens() ran meanwhile: their outcome wins over this request's.
					if (cleared) throw loginRequired('The session was cleared while a token request was in flight: log in again.');
					startedIn = generation;
					// Unless the answer continues the session now stored (a refused refresh adopts what setTokens() stored),
					// it is dropped, and everyone waiting gets the new session: as it is if fresh, else refreshed.
					if (!sameTokenSet(await store.get(key), replaces)) continue;
				}
				await store.set(key, tokenSet, { ttl: storeTtl(tokenSet) });
				emitter.emit('token', { tokenSet, source });
				return tokenSet;
			}
		};
		try {
			return store.withLock ? await store.withLock(key, locked, { ttl: lockTtl }) : await locked();
		} catch (error) {
			emitter.emit('error', { error });
			throw error;
		}
	}

	const manager: TokenManager = {
		provider,
		key,
		async getToken({ signal, forceRefresh = false }: GetTokenOptions = {}) {
			signal?.throwIfAborted();
			if (cleared) throw loginRequired('The session was cleared: log in again, or call setTokens().');
			const startedIn = generation;
			const cached = await store.get(key);
			// Rule 1: a fresh cached token costs no I/O.
			if (!forceRefresh && cached && fresh(cached)) return cached;
			// Rule 2: single flight; every concurrent caller shares this one promise.
			inflight ??= runFlight(cached, forceRefresh, startedIn).finally(() => {
				inflight = undefined;
			});
			return abortable(inflight, signal);
		},

		async invalidate(token) {
			const accessToken = typeof token === 'string' ? token : token.accessToken;
			const current = await store.get(key);
			// Rule 4: a late rejection of an older token must not drop the newer one.
			if (!current || current.accessToken !== accessToken) return false;
			// Expired at the epoch, not "now": a clock set back later must not bring a rejected token back to life.
			const expired = withTokenSetChanges(current, { expiresAt: 0 }, transport.now());
			if (store.compareAndSet) return store.compareAndSet(key, current, expired);
			await store.set(key, expired);
			return true;
		},

		async setTokens(tokens) {
			// Token sets keep their secrets in getters, which a spread would miss: name them.
			const init: TokenSetInit = { ...tokens, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, idToken: tokens.idToken };
			const tokenSet = createTokenSet(init, transport.now());
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
	return Object.freeze(manager);
}
