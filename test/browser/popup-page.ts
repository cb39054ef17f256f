import { handlePopupCallback } from '../../src/flow/popup-callback.js';
import { type PopupWindow, requirePopup, waitForPopupCallback } from '../../src/flow/popup.js';
import { openPopupWindow } from '../../src/flow/popup-window.js';

/** What the test reads back from the opener page. */
export interface PopupOutcome {
	readonly state: string;
	readonly url?: string;
	readonly error?: string;
	/** Whether the opener saw `popup.closed` true before the result came (what COOP makes browsers report). */
	readonly sawClosed: boolean;
}

declare global {
	interface Window {
		popupOutcome?: PopupOutcome;
		popupWindow?: PopupWindow;
	}
}

// One bundle for both pages of the app's origin: the opener (`/`) and the callback page in the popup (`/callback`).
if (location.pathname === '/callback') {
	// Told to the test through storage, which the two pages share whatever happened to the link (read once it shows:
	// another process's write reaches this one's copy late).
	localStorage.setItem('opener-in-popup', String(window.opener !== null));
	handlePopupCallback();
} else {
	// `?provider=<origin>&coop&stay`: where the login page is, whether it cuts the opener link (COOP same-origin), and
	// whether it stays (a login the user never finishes).
	const params = new URLSearchParams(location.search);
	const provider = params.get('provider') ?? '';
	const coop = params.has('coop');
	const stay = params.has('stay');
	const button = document.createElement('button');
	button.id = 'login';
	button.textContent = 'Log in';
	document.body.append(button);
	button.addEventListener('click', () => {
		// Before any await: the click's user activation is what lets the popup open.
		const popup = requirePopup(openPopupWindow());
		window.popupWindow = popup;
		const state = crypto.randomUUID();
		localStorage.removeItem('opener-in-popup');
		let sawClosed = false;
		const watch = setInterval(() => {
			sawClosed ||= popup.closed;
		}, 20);
		const seen = () => {
			clearInterval(watch);
			return { state, sawClosed };
		};
		const url = new URL('/authorize', provider);
		url.search = new URLSearchParams({
			state,
			redirect_uri: `${location.origin}/callback`,
			...(coop ? { coop: '' } : {}),
			...(stay ? { stay: '' } : {}),
		}).toString();
		waitForPopupCallback(popup, { url: url.href, state, redirectOrigin: location.origin, closeDetection: !coop, timeout: 12_000 }).then(
			(callbackUrl) => {
				window.popupOutcome = { ...seen(), url: callbackUrl };
			},
			(error: { reason?: string; message?: string }) => {
				window.popupOutcome = { ...seen(), error: error.reason ?? error.message ?? String(error) };
			},
		);
	});
}
