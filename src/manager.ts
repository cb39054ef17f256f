import { abortable } from './abortable.js';
import { createSessionEndpoint } from './session-endpoint.js';
import { publishNearCacheHit, publishRefreshAhead, traceFlight } from './diagnostics/probes.js';
import { isOAuthError, isStoreError, LoginRequiredError, type StoreError } from './errors.js';
import { createEmitter } from './events.js';
import type { GrantParameters } from './grants.js';
import { invalidOption, requireNonNegative, requireTimerDelay } from './options.js';
import type { Provider } from './provider.js';
import { createRefreshAhead } from './refresh-ahead.js';
import { createSessionStore } from './session-store.js';
import { defaultStore } from './stores/default-store.js';
import { sameTokenSet } from './stores/store.js';
import {
	defaultKey,
	dpopOf,
	freshTokenOf,
	type GetTokenOptions,
	managerBrand,
	type SessionExtras,
	type SessionSeam,
	type TokenManager,
	type TokenManagerOptions,
} from './token-manager.js';
import { createTokenSet, isFresh, targetsOf, type TokenSet, type TokenSetInit } from './token-set.js';
import { createTokenSource, type Obtained } from './token-source.js';
import { forTarget } from './grants.js';
import { createTargets, entryLifetime, targetOfToken, tokenOf, withoutToken, withObtained, type TokenTarget } from './session-tokens.js';
import { createLocalLock } from './stores/local-lock.js';

/** The answers to a device login's poll that mean "ask again later" (RFC 8628 3.5). */
const POLL_AGAIN = ['authorization_pending', 'slow_down'];

/**
 * What a flight is for: a read that found no fresh token (maybe forced, maybe in the background), a login's
 * exchange (`grant`), or a token while the store is out of reach (`storeDown`).
 */
interface FlightPlan {
	/** What the token is for: every flight asks for one target's token. */
	readonly target: TokenTarget;
	readonly seen?: TokenSet | undefined;
	readonly force?: boolean;
	/** A refresh-ahead: one attempt, and nobody waits for it. */
	readonly background?: boolean;
	readonly grant?: GrantParameters;
	readonly signal?: AbortSignal | undefined;
	readonly storeDown?: StoreError;
	/** A login's nonce (OpenID Connect): what its ID token must carry. */
	readonly nonce?: string | undefined;
}

function requireProvider(provider: Provider): Provider {
	if (typeof provider?.clientId !== 'string' || !provider.primaryGrant) {
		throw invalidOption('provider', 'a provider, such as `squidex({ … })`', provider);
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

/**
 * A session's manager and the seam through which a login flow hands it grants, with what a login flow adds (see
 * {@link SessionExtras}; a manager made directly has none of it).
 */
export function createManagedSession(
	provider: Provider,
	options: TokenManagerOptions = {},
	{ dpopKeyPlace, check, tabs }: SessionExtras = {},
): { manager: TokenManager; seam: SessionSeam } {
	requireProvider(provider);
	const emitter = createEmitter();
	const key = options.key ?? defaultKey(provider);
	const { endpoint, dpop } = createSessionEndpoint(
		provider,
		options,
		options.dpop
			? { option: options.dpop, onDowngrade: (event) => emitter.emit('dpop-downgrade', event), keyPlace: dpopKeyPlace, sessionKey: key }
			: undefined,
	);
	const session = createSessionStore(options.store ?? defaultStore(), key);
	const leeway = requireNonNegative(options.leeway ?? 30_000, 'leeway');
	// It becomes the lock's timer (a longer one would fire at once and let a second token request in).
	const lockTtl = requireTimerDelay(options.lockTtl ?? 60_000, 'lockTtl');
	const explicitAhead = options.refreshAhead === undefined ? undefined : requireNonNegative(options.refreshAhead, 'refreshAhead');
	const ahead = createRefreshAhead(explicitAhead, leeway, endpoint.now);
	const storeFailure = options.storeFailure ?? 'bypass';
	if (storeFailure !== 'bypass' && storeFailure !== 'fail') throw invalidOption('storeFailure', '"bypass" or "fail"', storeFailure, true);
	const reportError = (error: unknown) => emitter.emit('error', { error });
	// Access tokens an API rejected (rule 4): never served again by this process, although a read that started before
	// their drop reached the store (another call's, another API's) may bring them back near. The last few suffice.
	const rejected = new Set<string>();
	const fresh = (tokenSet: TokenSet) => isFresh(tokenSet, endpoint.now(), leeway) && !rejected.has(tokenSet.accessToken);

	const targets = createTargets(provider);
	const { defaultTarget } = targets;
	const targetFor = (resource: string | undefined, scope: GetTokenOptions['scope']) =>
		resource === undefined && scope === undefined ? defaultTarget : targets.of(resource, scope);
	// Rule 2, per target: the one request each target's callers share.
	const inflight = new Map<string, Promise<TokenSet>>();
	// One token request at a time per session, whichever target, even with a store that has no lock of its own (rule 8).
	const oneAtATime = createLocalLock();
	// Bumped by clear() and setTokens(): a request that started before must not overwrite their result.
	let generation = 0;

	function loginRequired(message: string, cause?: unknown): LoginRequiredError {
		const error = new LoginRequiredError(message, { cause });
		emitter.emit('login-required', { error });
		return error;
	}

	const { obtain, exchange, withoutStore } = createTokenSource({ provider, endpoint, session, fresh, loginRequired });

	/**
	 * Keep and announce a new token for `target`: the session's entry with it (a login starts a new entry). With other
	 * targets beside it, the answer is merged into the entry as it is now, not as it was before the request, and written
	 * only if it is still that: a token of another target dropped meanwhile (its API rejected it) stays dropped. A store
	 * that fails to save it costs an `error` event, never the tokens (kept near).
	 */
	async function adopt({ tokenSet: obtained, source, replaces }: Obtained, target: TokenTarget, login: boolean): Promise<TokenSet> {
		const now = endpoint.now();
		let entry = withObtained(login ? undefined : replaces, target.key, obtained, now);
		try {
			let written = false;
			for (let attempt = 0; !login && !written && attempt < 3 && targetsOf(entry); attempt += 1) {
				const latest = await session.read();
				entry = withObtained(latest, target.key, obtained, now);
				written = await session.replace(latest, entry);
			}
			if (!written) await session.write(entry, entryLifetime(entry, now));
		} catch (error) {
			if (!isStoreError(error)) throw error;
			reportError(error);
			session.keep(entry);
		}
		const tokenSet = tokenOf(entry, target.key) as TokenSet;
		emitter.emit('token', { tokenSet, source });
		return tokenSet;
	}

	/** Inside the lock: re-read (another process or tab may have done the work already), then one token request. */
	async function underLock(plan: FlightPlan, startedIn: number): Promise<TokenSet> {
		const { target } = plan;
		for (;;) {
			const current = await session.read();
			const token = tokenOf(current, target.key);
			if (!plan.grant && token && fresh(token) && !(plan.force && sameTokenSet(token, plan.seen))) return token;
			let obtained = plan.grant
				? await exchange(forTarget(plan.grant, provider, target), current, plan.signal)
				: await obtain(current, target, plan.background ? 0 : undefined);
			// An answer whose ID token fails its checks is not kept, whatever else it holds (OpenID Connect Core 3.1.3.7).
			if (check) {
				const previous = plan.grant ? undefined : current;
				obtained = { ...obtained, tokenSet: await check(obtained.tokenSet, { nonce: plan.nonce, previous, signal: plan.signal }) };
			}
			if (generation !== startedIn) {
				// clear() or setTokens() ran meanwhile: their outcome wins over this request's (rule 8). Unless the answer
				// continues the session now stored (a refused refresh adopts what setTokens() stored), it is dropped, and
				// everyone waiting gets the session now stored: as it is if fresh, else refreshed, else (cleared) a new
				// grant if no person is needed, or LoginRequiredError. A login's code is spent, so its answer is never dropped.
				startedIn = generation;
				if (!plan.grant && !sameTokenSet(await session.read(), obtained.replaces)) continue;
			}
			return adopt(obtained, target, plan.grant !== undefined);
		}
	}

	/** One token request for the session, inside the store's lock when it has one (rule 8). */
	async function runFlight(plan: FlightPlan, startedIn: number): Promise<TokenSet> {
		try {
			try {
				if (plan.storeDown) throw plan.storeDown;
				const locked = () => session.locked(() => underLock(plan, startedIn), { ttl: lockTtl, signal: plan.signal });
				return await oneAtATime('', locked, { signal: plan.signal });
			} catch (error) {
				// The store is out of reach: go on without it where nothing can be rotated twice (see `storeFailure`).
				const tokenSet = isStoreError(error) && !plan.grant && storeFailure === 'bypass' ? await withoutStore(plan.target) : undefined;
				if (!tokenSet) throw error;
				reportError(error);
				session.keep(withObtained(session.near, plan.target.key, tokenSet, endpoint.now()));
				emitter.emit('token', { tokenSet, source: 'grant' });
				return tokenSet;
			}
		} catch (error) {
			// A device login's "not yet" is the protocol at work, not a failure worth an event.
			if (!(plan.grant && isOAuthError(error) && POLL_AGAIN.includes(error.error))) reportError(error);
			throw error;
		}
	}

	/** Rule 2: every concurrent caller shares this one promise. */
	function startFlight(plan: FlightPlan, startedIn: number): Promise<TokenSet> {
		const { key } = plan.target;
		const flight: Promise<TokenSet> = traceFlight(plan, () => runFlight(plan, startedIn)).finally(() => {
			if (inflight.get(key) === flight) inflight.delete(key);
		});
		inflight.set(key, flight);
		return flight;
	}

	/** Rule 1: the fresh token this process holds, with no I/O; a read near its end starts one background refresh. */
	function freshToken(target: TokenTarget): TokenSet | undefined {
		const near = tokenOf(session.near, target.key);
		if (!near || !fresh(near)) return undefined;
		if (!inflight.has(target.key) && ahead.due(near)) {
			publishRefreshAhead(near);
			startFlight({ target, seen: near, force: true, background: true }, generation).then(ahead.succeeded, ahead.failed);
		}
		return near;
	}

	const manager: TokenManager = {
		provider,
		key,
		async getToken({ signal, forceRefresh = false, resource, scope }: GetTokenOptions = {}) {
			signal?.throwIfAborted();
			const target = targetFor(resource, scope);
			const near = forceRefresh ? undefined : freshToken(target);
			if (near) {
				publishNearCacheHit();
				return near;
			}
			const running = inflight.get(target.key);
			if (running) return abortable(running, signal);
			// Taken before the read: a clear() while it is awaited must still stop this caller's token request.
			const startedIn = generation;
			let stored: TokenSet | undefined;
			try {
				stored = await session.read();
			} catch (error) {
				// One store timeout per call: the flight goes straight to what it can do without the store.
				if (!isStoreError(error)) throw error;
				return abortable(inflight.get(target.key) ?? startFlight({ target, storeDown: error }, startedIn), signal);
			}
			const token = tokenOf(stored, target.key);
			if (!forceRefresh && token && fresh(token)) return freshToken(target) ?? token;
			return abortable(inflight.get(target.key) ?? startFlight({ target, seen: token, force: forceRefresh }, startedIn), signal);
		},

		async invalidate(token) {
			const accessToken = typeof token === 'string' ? token : token.accessToken;
			rejected.add(accessToken);
			if (rejected.size > 32) rejected.delete(rejected.values().next().value as string);
			const near = session.near;
			const nearKey = targetOfToken(near, accessToken);
			const droppedNear = nearKey !== undefined;
			if (droppedNear) session.keep(withoutToken(near as TokenSet, nearKey, endpoint.now()));
			// Rule 4, per target: a late rejection of an older token must not drop the newer one, which the read brings near.
			const drop = async (current: TokenSet | undefined) => {
				const key = targetOfToken(current, accessToken);
				return key !== undefined && (await session.replace(current as TokenSet, withoutToken(current as TokenSet, key, endpoint.now())));
			};
			try {
				const current = await session.read();
				// Dropping one of several targets' tokens leaves the entry's top token, what compare-and-set matches on, as it
				// was: two drops at once could not tell each other apart. They take the session's lock, as its token requests.
				const dropped =
					current && targetsOf(current)
						? await oneAtATime('', () => session.locked(async () => drop(await session.read()), { ttl: lockTtl }))
						: await drop(current);
				return dropped || droppedNear;
			} catch (error) {
				if (!isStoreError(error)) throw error;
				reportError(error);
				return droppedNear;
			}
		},

		async setTokens(tokens) {
			// Token sets keep their secrets in getters, which a spread would miss: name them.
			const init: TokenSetInit = { ...tokens, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, idToken: tokens.idToken };
			const tokenSet = createTokenSet(init, endpoint.now());
			rejected.delete(tokenSet.accessToken);
			generation += 1;
			try {
				await session.write(tokenSet, entryLifetime(tokenSet, endpoint.now()));
			} finally {
				// Kept near even when the store failed (the error then tells the caller the session is not shared).
				emitter.emit('token', { tokenSet, source: 'set' });
			}
			return tokenSet;
		},

		async clear() {
			// Nothing is left to read: a machine's session asks the server again, a person's needs a login (rule 3).
			generation += 1;
			// The key goes with the tokens bound to it: the next login makes a new one.
			await dpop?.then((session) => session.forget()).catch(() => undefined);
			await session.remove();
		},

		on: emitter.on,
	};
	// Non-enumerable (defineProperties' default): out of spreads and logs.
	const readerFor = ({ resource, scope }: GetTokenOptions) => {
		const target = targetFor(resource, scope);
		return () => freshToken(target);
	};
	Object.defineProperties(manager, { [managerBrand]: { value: true }, [freshTokenOf]: { value: readerFor }, [dpopOf]: { value: dpop } });

	const seam: SessionSeam = {
		now: endpoint.now,
		endpoints: endpoint.endpoints,
		async login(grant, signal, resource, nonce) {
			signal?.throwIfAborted();
			const startedIn = generation;
			// A login starts the session anew: it never joins a read's flight, and runs after the session's requests before it.
			const tokenSet = await abortable(startFlight({ target: targetFor(resource, undefined), grant, signal, nonce }, startedIn), signal);
			tabs?.post({ type: 'signed-in', key });
			emitter.emit('signed-in', { otherTab: false });
			return tokenSet;
		},
		async logout() {
			// The shared session if the store answers, else the one this process holds.
			const current = await session.read().catch(() => session.near);
			const errors = current ? await endpoint.revoke(current) : [];
			await manager.clear();
			tabs?.post({ type: 'signed-out', key });
			emitter.emit('signed-out', { otherTab: false });
			return { revoked: current !== undefined && errors.length === 0, errors, ended: current };
		},
		async entry() {
			return session.read().catch(() => session.near);
		},
		call: endpoint.call,
		reportStoreFailure: reportError,
		dpop,
	};
	// Another tab of this session logged in or out: what this one holds near is no longer the session, and a request in
	// flight must not bring the old one back (the generation), so the next read goes to the shared store.
	tabs?.on((message) => {
		if (message.key !== key) return;
		generation += 1;
		session.keep(undefined);
		emitter.emit(message.type, { otherTab: true });
	});
	return { manager: Object.freeze(manager), seam };
}
