import { useMemo, useSyncExternalStore } from 'react';
import type {
	AuthorizationCodeFlow,
	AuthorizationUrlOptions,
	LogoutOptions,
	LogoutResult,
	PopupOptions,
	SessionSnapshot,
} from 'tokenkeeper';
import { useFlow } from './context.js';
import { rememberReturnTo } from './return-to.js';

/** Options of {@link Session.login}: the authorization request's, and how to log in. */
export interface LoginOptions extends AuthorizationUrlOptions {
	/** Log in in a popup instead of a redirect: call `login` in the click handler (how it waits: `login`'s second argument). */
	readonly popup?: boolean | undefined;
}

/** What {@link useSession} returns: the session now, and what changes it. */
export interface Session extends SessionSnapshot {
	/**
	 * Send the browser to the provider's login (this page is where it comes back to), or, with `popup`, log in in a popup
	 * and stay. Rejects if the login cannot start (the provider unreachable) or the popup fails (also shown as `error`).
	 */
	login(options?: LoginOptions, popup?: PopupOptions): Promise<void>;
	/**
	 * Revoke the session's tokens and end it in every tab; then go to the provider's end-session page when it has one,
	 * unless `endSession: false`. Local state is cleared even when revocation fails.
	 */
	logout(options?: LogoutOptions): Promise<LogoutResult>;
}

async function login(flow: AuthorizationCodeFlow, { popup, ...options }: LoginOptions = {}, popupOptions?: PopupOptions): Promise<void> {
	// The popup opens before any await: a browser blocks one opened after.
	if (popup) return void (await flow.loginWithPopup(options, popupOptions));
	const url = await flow.createAuthorizationUrl(options);
	rememberReturnTo();
	location.assign(url);
}

async function logout(flow: AuthorizationCodeFlow, options?: LogoutOptions): Promise<LogoutResult> {
	const result = await flow.logout(options);
	if (result.endSessionUrl) location.assign(result.endSessionUrl);
	return result;
}

/**
 * The session of the nearest `<TokenkeeperProvider>`: `status` (`loading` | `signed-out` | `signed-in` | `error`),
 * `user` (the ID token's claims), `error` (why the last login failed), `login()` and `logout()`. Re-renders only when
 * the session changes: a login, a logout, a new user, a refused refresh, or another tab's login or logout.
 * @example
 * const { status, user, login, logout } = useSession();
 * if (status === 'signed-in') return <button onClick={() => logout()}>Log out {user?.name}</button>;
 */
export function useSession(): Session {
	const flow = useFlow();
	// The server's snapshot is the flow's own: `loading` until a browser subscribes.
	const snapshot = useSyncExternalStore(flow.subscribe, flow.getSnapshot, flow.getSnapshot);
	return useMemo(
		() => ({
			...snapshot,
			login: (options?: LoginOptions, popup?: PopupOptions) => login(flow, options, popup),
			logout: (options?: LogoutOptions) => logout(flow, options),
		}),
		[flow, snapshot],
	);
}
