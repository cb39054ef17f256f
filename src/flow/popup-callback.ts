import type { BroadcastChannelConstructor } from '../session-channel.js';
import { POPUP_CHANNEL, type PopupCallbackMessage } from './popup-message.js';

/** Where {@link handlePopupCallback} finds the popup's window: `globalThis` by default, a stand-in in tests. */
export interface PopupCallbackEnv {
	readonly location: { readonly href: string; readonly origin: string };
	/** `null` when the login page's COOP header cut the link to the opener. */
	readonly opener?: { postMessage(message: unknown, targetOrigin: string): void } | null | undefined;
	readonly BroadcastChannel?: BroadcastChannelConstructor | undefined;
	close?(): void;
}

/**
 * The one call of the callback page inside a login popup: hands the URL it reached to the opener that waits in
 * `loginWithPopup` (by `BroadcastChannel`, which survives a COOP header on the provider's login page, and by
 * `opener.postMessage` to this page's own origin only), then closes the popup. The opener checks the `state`;
 * this page exchanges nothing and keeps nothing. Returns `false`, having done nothing, when the URL has no `state`
 * (not an authorization response), so a page that also serves redirect logins can go on with its own handling.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @example
 * // callback.html, the redirect URI given to loginWithPopup
 * import { handlePopupCallback } from 'tokenkeeper';
 * handlePopupCallback();
 */
export function handlePopupCallback(url?: string | URL): boolean {
	return relayPopupCallback(url, globalThis as unknown as PopupCallbackEnv);
}

/** {@link handlePopupCallback} in a given window (a stand-in in tests). */
export function relayPopupCallback(url: string | URL | undefined, env: PopupCallbackEnv): boolean {
	const href = String(url ?? env.location.href);
	const state = stateOf(href);
	if (!state) return false;
	const message: PopupCallbackMessage = { type: 'tokenkeeper:popup-callback', state, url: href };
	if (typeof env.BroadcastChannel === 'function') {
		const channel = new env.BroadcastChannel(POPUP_CHANNEL);
		// Closing at once is safe: a posted message is already queued for every other channel of the name.
		channel.postMessage(message);
		channel.close();
	}
	try {
		// Our own origin only: if the opener has navigated elsewhere, the code must not go with it.
		env.opener?.postMessage(message, env.location.origin);
	} catch {
		// An opener that is gone: the BroadcastChannel carries the result.
	}
	env.close?.();
	return true;
}

/** The `state` of an authorization response, in the query or (`response_mode=fragment`) the fragment. */
function stateOf(href: string): string | null {
	let url: URL;
	try {
		url = new URL(href);
	} catch {
		return null;
	}
	return url.searchParams.get('state') ?? new URLSearchParams(url.hash.slice(1)).get('state');
}
