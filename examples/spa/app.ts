/**
 * A single-page app logging in against Sqowey (here: the local emulator, on another origin) with the
 * authorization code flow and PKCE, calling the API, refreshing, and logging out.
 */
import { createAuthorizationCodeFlow, createClient, isTokenkeeperError, sqowey } from 'tokenkeeper';

declare global {
	interface Window {
		/** Set by the example's server: where the provider (the emulator) is. */
		SQOWEY_URL: string;
		/** What the page can do, for people (buttons) and for the browser tests. */
		demo: {
			callApi(): Promise<unknown>;
			refresh(): Promise<void>;
			logout(): Promise<unknown>;
			loggedIn(): Promise<boolean>;
			/** How many DPoP keys the origin keeps (IndexedDB `tokenkeeper-dpop`): one per session with `?dpop`. */
			dpopKeys(): Promise<number>;
		};
	}
}

// `?storage=session` keeps the session in sessionStorage instead of IndexedDB; the choice is remembered for the tab,
// so the callback page (which the provider opens without the query) uses the same storage.
const chosen = new URLSearchParams(location.search).get('storage') ?? sessionStorage.getItem('demo:storage');
const storage = chosen === 'session' ? 'session' : 'local';
try {
	sessionStorage.setItem('demo:storage', storage);
} catch {
	// A full sessionStorage: the choice then lasts for this page only.
}
// `?dpop`: DPoP-bound tokens, remembered for the tab in the same way.
const dpopChosen = new URLSearchParams(location.search).has('dpop') || sessionStorage.getItem('demo:dpop') === 'on';
try {
	if (dpopChosen) sessionStorage.setItem('demo:dpop', 'on');
} catch {
	// A full sessionStorage: DPoP then lasts for this page only.
}
const dpop = dpopChosen ? true : undefined;
const flow = createAuthorizationCodeFlow(
	sqowey({ url: window.SQOWEY_URL, clientId: 'sqowey-spa', redirectUri: `${location.origin}/callback` }),
	{ storage, dpop },
);
const api = createClient({ prefixUrl: `${window.SQOWEY_URL}/api/`, auth: flow.tokens });

const output = document.querySelector('#output')!;
const status = document.querySelector('#status')!;
const show = (value: unknown) => {
	output.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
};

async function loggedIn(): Promise<boolean> {
	try {
		await flow.tokens.getToken();
		return true;
	} catch {
		return false;
	}
}

async function render() {
	status.textContent = (await loggedIn()) ? "Logged in (tokens are in this origin's storage, never printed)." : 'Logged out.';
}

window.demo = {
	callApi: () => api.get('users/@me').json(),
	refresh: async () => {
		await flow.tokens.getToken({ forceRefresh: true });
	},
	logout: () => flow.logout(),
	loggedIn,
	dpopKeys: () =>
		new Promise((resolve, reject) => {
			const opening = indexedDB.open('tokenkeeper-dpop');
			opening.onupgradeneeded = () => opening.result.createObjectStore('keys');
			opening.onerror = () => reject(opening.error);
			opening.onsuccess = () => {
				const counting = opening.result.transaction('keys').objectStore('keys').count();
				counting.onerror = () => reject(counting.error);
				counting.onsuccess = () => {
					opening.result.close();
					resolve(counting.result);
				};
			};
		}),
};

const act = (name: string, action: () => Promise<unknown>) =>
	document.querySelector(name)!.addEventListener('click', async () => {
		try {
			show((await action()) ?? 'done');
		} catch (error) {
			show(isTokenkeeperError(error) ? `${error.code}: ${error.message}` : String(error));
		}
		await render();
	});

act('#login', async () => location.assign(await flow.createAuthorizationUrl({ scope: ['identity'] })));
act('#call', window.demo.callApi);
act('#refresh', window.demo.refresh);
act('#logout', window.demo.logout);

if (location.pathname === '/callback') {
	try {
		await flow.handleCallback(location.href);
		show('Logged in.');
	} catch (error) {
		show(isTokenkeeperError(error) ? `${error.code}: ${error.message}` : String(error));
	}
	// Drop the code and state from the address bar and the history.
	history.replaceState(null, '', '/');
}
await render();
document.body.dataset.ready = 'true';
