import type { TokenManager } from '../token-manager.js';
import { claimsOf, type TokenSet } from '../token-set.js';
import type { IdTokenUser } from './id-token-user.js';

/** Where a session stands, for a UI: `loading` until the session has been read (or while a login's callback runs). */
export type SessionStatus = 'loading' | 'signed-out' | 'signed-in' | 'error';

/**
 * What a UI shows of the session: one frozen object, the same object until something changes (so that
 * `useSyncExternalStore`, Vue's `shallowRef` or a signal re-render only on a change).
 */
export interface SessionSnapshot {
	readonly status: SessionStatus;
	/** The signed-in person: the checked ID token's claims (a login with `openid`); a new object only when they change. */
	readonly user?: IdTokenUser | undefined;
	/** Why the last login failed (`status: 'error'`): an `AuthorizationResponseError` (`access_denied`…), `IdTokenError`, `PopupError`… */
	readonly error?: unknown;
}

/** A flow's session state (see {@link createSessionState}; its snapshot is the shell's). Internal. */
export interface SessionState {
	subscribe(listener: () => void): () => void;
	getSnapshot(): SessionSnapshot;
	/** A login under way: `loading` while a callback runs (`callback`), `error` if it fails; returns `login` as is. */
	track<T>(login: Promise<T>, callback: boolean): Promise<T>;
}

/**
 * Loaded with `import()` at a flow's first subscription or login (a chunk of its own in browsers): the flow holds only
 * its shell (session-state-on-demand.ts). The session as a UI follows it, from the manager's events: a login or a refresh (the entry read again: a new `user`
 * only when its claims changed), a logout, a refresh refused (`login-required`), and, with `storage: 'local'`, what
 * another tab does. Nothing is read before the first subscriber, and the events are heard only while one listens.
 */
export function createSessionState(
	manager: TokenManager,
	entry: () => Promise<TokenSet | undefined>,
	loading: SessionSnapshot,
	// The shell's own `getSnapshot` answers from what this writes back (no second object to ask).
	publish: (snapshot: SessionSnapshot) => void,
): Omit<SessionState, 'getSnapshot'> {
	let snapshot = loading;
	const listeners = new Set<() => void>();
	let unlisten: (() => void)[] = [];
	// Each read and each change shown takes a number: a read shows what it found only if nothing came after it. Callbacks
	// in progress hold the state at `loading`.
	let reads = 0;
	let callbacks = 0;

	function show(status: SessionStatus, user?: IdTokenUser, error?: unknown): void {
		reads += 1;
		if (status === snapshot.status && user === snapshot.user && error === snapshot.error) return;
		snapshot = Object.freeze({ status, user, error });
		publish(snapshot);
		for (const listener of [...listeners]) listener();
	}

	async function read(): Promise<void> {
		// A callback's own events (its token, its sign-in) read nothing: the callback reads once, when it has settled.
		if (callbacks) return;
		const number = ++reads;
		const current = await entry();
		// Anything shown meanwhile (a callback's `loading`, a sign-out) is newer than what this read found.
		if (number !== reads) return;
		if (!current?.accessToken && !current?.refreshToken) return show('signed-out');
		const claims = claimsOf(current);
		const same = claims && JSON.stringify(claims) === JSON.stringify(snapshot.user);
		show('signed-in', same ? snapshot.user : claims && (Object.freeze({ ...claims }) as IdTokenUser));
	}

	return {
		subscribe(listener) {
			listeners.add(listener);
			if (listeners.size === 1) {
				const on = manager.on;
				unlisten = [
					on('signed-in', read),
					on('token', read),
					on('signed-out', () => show('signed-out')),
					on('login-required', () => show('signed-out')),
				];
				// Changes went unheard while nobody listened; an error stays until the next login.
				if (snapshot.status !== 'error') void read();
			}
			return () => {
				if (listeners.delete(listener) && listeners.size === 0) for (const stop of unlisten) stop();
			};
		},
		track(login, callback) {
			if (callback) {
				callbacks += 1;
				show('loading');
			}
			const settled = () => {
				if (callback) callbacks -= 1;
			};
			return login.then(
				(result) => {
					settled();
					void read();
					return result;
				},
				(error: unknown) => {
					settled();
					show('error', undefined, error);
					throw error;
				},
			);
		},
	};
}
