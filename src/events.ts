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
}

/** `token`, `login-required`, `error` or `dpop-downgrade`. */
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
