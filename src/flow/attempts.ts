import type { AttemptStorage } from '../key-value-storage.js';
import { tryParseJson } from '../try-parse-json.js';

/** One login attempt: what `handleCallback` needs to finish it. Single use. */
export interface LoginAttempt {
	readonly state: string;
	readonly codeVerifier: string;
	readonly redirectUri: string;
	readonly expiresAt: number;
	/**
	 * Which provider and client the attempt is for: the provider's default session key (its issuer, or its token endpoint
	 * when it has none, and the client id). Every flow keeps its attempts in the same storage: only the flow of that
	 * provider and client may spend this one, so that a code and verifier go only to the server the login went to.
	 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
	 */
	readonly owner: string;
	/** The API the code exchange asks a token for: the first the login named (RFC 8707), if any. */
	readonly resource?: string | undefined;
	/** The nonce the authorization request carried (a scope with `openid`): what the ID token must name. */
	readonly nonce?: string | undefined;
}

/**
 * Login attempts keyed by state. Each is taken (read and deleted) once: a replayed callback finds nothing.
 * `places` are tried in order: a full one (QuotaExceededError) must not break the login, and the redirect to the
 * provider ends this page, so the next storage that outlives it is used; the flow's memory comes last, which still
 * serves a callback handled without a reload (popup, CLI, tests). A server's storage may answer with promises. Made by
 * the login's steps (a chunk loaded on demand), so a page that only calls APIs does not carry it.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 */
export function createAttemptStore(places: readonly AttemptStorage[], prefix: string) {
	const keyOf = (state: string) => `${prefix}attempt:${state}`;
	return {
		async save(attempt: LoginAttempt): Promise<void> {
			const key = keyOf(attempt.state);
			const text = JSON.stringify(attempt);
			for (const storage of places) {
				try {
					await storage.setItem(key, text);
					break;
				} catch {}
			}
		},
		/** The attempt for `state`, removed so it can be used only once; `undefined` if unknown or expired. */
		async take(state: string, now: number): Promise<LoginAttempt | undefined> {
			const key = keyOf(state);
			let text: string | null = null;
			for (const storage of places) {
				// `takeItem` reads and removes at once; the removal after it finds nothing left. `typeof`: a Storage shows
				// its items as properties, and an item may be named `takeItem`.
				text ??= await (typeof storage.takeItem === 'function' ? storage.takeItem(key) : storage.getItem(key));
				await storage.removeItem(key);
			}
			const attempt = tryParseJson(text) as LoginAttempt | null | undefined;
			return attempt && attempt.expiresAt > now ? attempt : undefined;
		},
	};
}
