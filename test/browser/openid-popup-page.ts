/**
 * Bundled for a browser page by openid-popup.test.ts: an SPA that logs in with `openid` through a popup
 * (`loginWithPopup`) at the emulator's OAuth2 server on another origin, an OpenID Provider. One bundle for both pages
 * of the app's origin: the opener (`/`), whose click opens the popup and which exchanges the code and checks the ID
 * token (Web Crypto), and the redirect URI's page in the popup (`/callback`), which only hands the URL back.
 */
import { createAuthorizationCodeFlow, handlePopupCallback, oauth2 } from '../../src/index.js';

/** Set by the test's server. */
interface OpenIdConfig {
	readonly issuer: string;
	readonly clientId: string;
}

/** How the popup login ended, as the test reads it. */
export type PopupLoginOutcome =
	| { readonly ok: { readonly idToken: boolean; readonly scope: string | undefined } }
	| { readonly error: { readonly name: string; readonly code?: string; readonly message: string } };

/** What the opener offers the test. */
export interface OpenIdPopupPage {
	/** `loginWithPopup`'s outcome, once it settled. */
	outcome?: PopupLoginOutcome;
	/** `getUser()`'s claims, or undefined. */
	user(): Promise<Record<string, unknown> | undefined>;
	/** The algorithm of each `crypto.subtle.verify` call in the opener, and what it answered. */
	readonly verified: { readonly algorithm: string; readonly valid: boolean }[];
}

declare global {
	interface Window {
		OPENID: OpenIdConfig;
		openidPopup: OpenIdPopupPage;
	}
}

if (location.pathname === '/callback') {
	// In the popup: the callback URL goes to the opener, which exchanges the code; then the popup closes.
	document.body.dataset.handled = String(handlePopupCallback());
} else {
	// Web Crypto, watched before the flow exists: the ID token is checked here, in the opener.
	const verified: { algorithm: string; valid: boolean }[] = [];
	const subtle = crypto.subtle;
	const verify = subtle.verify.bind(subtle);
	subtle.verify = (async (...args: Parameters<SubtleCrypto['verify']>) => {
		const [algorithm] = args;
		const valid = await verify(...args);
		verified.push({ algorithm: typeof algorithm === 'string' ? algorithm : algorithm.name, valid });
		return valid;
	}) as SubtleCrypto['verify'];

	const { issuer, clientId } = window.OPENID;
	const flow = createAuthorizationCodeFlow(
		oauth2({ issuer, clientId, redirectUri: `${location.origin}/callback`, grant: 'authorization_code' }),
		{ retry: 0 },
	);
	const page: OpenIdPopupPage = {
		user: async () => (await flow.getUser()) as Record<string, unknown> | undefined,
		verified,
	};
	window.openidPopup = page;

	document.querySelector('#login')!.addEventListener('click', () => {
		// No await before it: loginWithPopup opens the popup synchronously, inside the click's user activation.
		flow.loginWithPopup({ scope: ['openid', 'offline_access'] }, { timeout: 20_000 }).then(
			(tokenSet) => {
				page.outcome = { ok: { idToken: typeof tokenSet.idToken === 'string', scope: tokenSet.scope } };
			},
			(error: Error & { code?: string }) => {
				page.outcome = { error: { name: error.name, code: error.code, message: error.message } };
			},
		);
	});
	document.body.dataset.ready = 'true';
}
