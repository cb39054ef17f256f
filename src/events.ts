import type { DpopDowngradeEvent } from './dpop/types.js';
import type { TokenkeeperError } from './errors.js';
import type { TokenSet } from './token-set.js';

/** The events a TokenManager emits; each listener gets one readonly object. */
export interface TokenManagerEvents {
	/** A new token set was obtained (from the server or `setTokens`). */
	token: { readonly tokenSet: TokenSet; readonly source: 'grant' | 'refresh' | 'set' };
	/** No token can be had without a person logging in. */
	'login-required': { readonly error: TokenkeeperError };
	/** A token request failed. */
	error: { readonly error: unknown };
	/** A session with `dpop` was issued a token of another type (Bearer): it is used as such (RFC 9449 7.1). */
	'dpop-downgrade': DpopDowngradeEvent;
	/** A login completed: in this tab, or (`otherTab`, with `storage: 'local'`) in another tab of the session. */
	'signed-in': SessionChangeEvent;
	/** A logout ended the session: in this tab, or (`otherTab`) in another; `getToken()` now needs a new login. */
	'signed-out': SessionChangeEvent;
}

/** A login or logout: where it happened. */
export interface SessionChangeEvent {
	/** True when another tab of the session did it (heard over the tabs' channel). */
	readonly otherTab: boolean;
}

/** `token`, `login-required`, `error`, `dpop-downgrade`, `signed-in` or `signed-out`. */
export type TokenManagerEventName = keyof TokenManagerEvents;
/** A listener of one event: gets one frozen object. */
export type TokenManagerListener<E extends TokenManagerEventName> = (event: Readonly<TokenManagerEvents[E]>) => void;

/** A tiny typed emitter: `on` returns the function that unsubscribes. */
export function createEmitter() {
	const listeners = new Map<TokenManagerEventName, Set<(event: never) => void>>();
	return {
		on<E extends TokenManagerEventName>(name: E, listener: TokenManagerListener<E>): () => void {
			const set = listeners.get(name) ?? new Set();
			listeners.set(name, set);
			set.add(listener);
			return () => set.delete(listener);
		},
		emit<E extends TokenManagerEventName>(name: E, event: TokenManagerEvents[E]): void {
			const frozen = Object.freeze(event);
			for (const listener of listeners.get(name) ?? []) {
				// A throwing listener must not break token handling for everyone else.
				try {
					(listener as TokenManagerListener<E>)(frozen);
				} catch {}
			}
		},
	};
}
