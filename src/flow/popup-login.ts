import type { TokenSet } from '../token-set.js';
import type { AuthorizationUrlOptions } from './authorization-url.js';
import { type PopupOptions, requirePopup, waitForPopupCallback } from './popup.js';
import type { PopupWindow } from './popup-window.js';

/** What a popup login needs of its flow. */
export interface PopupLoginFlow {
	createAuthorizationUrl(options?: AuthorizationUrlOptions): Promise<string>;
	handleCallback(callbackUrl: string, options?: { signal?: AbortSignal }): Promise<TokenSet>;
}

/**
 * The rest of a popup login, once the popup is open (loaded on demand: only apps that log in with a popup carry it):
 * a new attempt, the popup sent to the provider, the callback URL it reaches handed back (see `handlePopupCallback`),
 * and the code exchanged here, in the opener, as `handleCallback` does. The popup is closed whatever happens.
 */
export async function completePopupLogin(
	opened: PopupWindow | null,
	flow: PopupLoginFlow,
	redirectUri: string | undefined,
	urlOptions: AuthorizationUrlOptions,
	{ timeout, signal, closeDetection }: PopupOptions,
): Promise<TokenSet> {
	const popup = requirePopup(opened);
	let url: string;
	try {
		url = await flow.createAuthorizationUrl(urlOptions);
	} catch (error) {
		popup.close();
		throw error;
	}
	const state = new URL(url).searchParams.get('state') as string;
	const redirectOrigin = new URL((urlOptions.redirectUri ?? redirectUri) as string).origin;
	const callbackUrl = await waitForPopupCallback(popup, { url, state, redirectOrigin, timeout, signal, closeDetection });
	return flow.handleCallback(callbackUrl, { signal });
}
