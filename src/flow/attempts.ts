import { createMemoryStorage, type KeyValueStorage } from '../key-value-storage.js';
import { tryParseJson } from '../try-parse-json.js';

/** One login attempt: what `handleCallback` needs to finish it. Single use. */
export interface LoginAttempt {
	readonly state: string;
	readonly codeVerifier: string;
	readonly redirectUri: string;
	readonly expiresAt: number;
}

/**
 * Login attempts keyed by state. Each is taken (read and deleted) once: a replayed callback finds nothing.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 */
export function createAttemptStore(storage: KeyValueStorage, prefix: string) {
	const keyOf = (state: string) => `${prefix}attempt:${state}`;
	// A full storage (QuotaExceededError) must not break the login: the attempt then lives in this page's memory,
	// which still serves a callback handled without a reload (popup, CLI, tests).
	const overflow = createMemoryStorage();
	return {
		save(attempt: LoginAttempt): void {
			const key = keyOf(attempt.state);
			const text = JSON.stringify(attempt);
			try {
				storage.setItem(key, text);
			} catch {
				overflow.setItem(key, text);
			}
		},
		/** The attempt for `state`, removed so it can be used only once; `undefined` if unknown or expired. */
		take(state: string, now: number): LoginAttempt | undefined {
			const key = keyOf(state);
			const text = overflow.getItem(key) ?? storage.getItem(key);
			overflow.removeItem(key);
			storage.removeItem(key);
			const attempt = tryParseJson(text) as LoginAttempt | null | undefined;
			return attempt && attempt.expiresAt > now ? attempt : undefined;
		},
	};
}
