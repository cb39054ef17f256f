import type { AuthorizationCodeFlow } from 'tokenkeeper';
import { readReturnTo, takeReturnTo } from './return-to.js';

// The callback URL each flow has handled: React's StrictMode runs an effect twice (mount, unmount, mount), and a code is
// single use; the second run finds its URL here and leaves the first run's exchange to finish.
const handled = /* @__PURE__ */ new WeakMap<AuthorizationCodeFlow, string>();

/** An authorization response: `state` with a `code` or an `error`, in the query or the fragment. */
function isAuthorizationResponse(url: URL): boolean {
	const params = new URLSearchParams(url.search.length > 1 ? url.search : url.hash.slice(1));
	return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * On the redirect URI, complete the login once: exchange the code (the flow's state shows `loading`, then `signed-in`
 * or `error`), then take `code` and `state` out of the address bar, success or not, so that a reload cannot replay them,
 * and go back to the page the login started from. Routers hear it as a `popstate`.
 */
export function completeLoginOnce(flow: AuthorizationCodeFlow, isCallback = isAuthorizationResponse): void {
	const href = location.href;
	if (!isCallback(new URL(href)) || handled.get(flow) === href) return;
	handled.set(flow, href);
	// A failure keeps the page to go back to: it may be this page being left, a reload while the exchange is under way
	// (Firefox and WebKit abort the exchange as the reload starts, and its failure runs here), and the next page load,
	// which handles the same callback URL (the attempt spent: `state_mismatch`), still has to go back there.
	const back = (done: boolean) => {
		history.replaceState(history.state, '', (done ? takeReturnTo() : readReturnTo()) ?? location.pathname);
		dispatchEvent(new PopStateEvent('popstate', { state: history.state }));
	};
	// The failure is the state's (`status: 'error'`); nothing is left to reject unheard.
	flow.handleCallback(href).then(
		() => back(true),
		() => back(false),
	);
}
