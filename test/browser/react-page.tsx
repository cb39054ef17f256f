/**
 * Bundled for a browser page by react.test.ts: a React 19 app in `<StrictMode>`, importing the built package by name
 * as a user's app does (`tokenkeeper` and `tokenkeeper/react`, both resolved to dist/ through package.json's exports,
 * the "browser" condition), with a login by redirect at the emulator's OAuth2 server on another origin. The session is
 * in IndexedDB (`storage: 'local'`), shared by the origin's tabs. The page shows the session in elements with ids:
 * `#status`, `#user` (the ID token's `sub`), `#error-code` and `#error`, `#api-result`.
 */
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createAuthorizationCodeFlow, oauth2 } from 'tokenkeeper';
import { TokenkeeperProvider, useClient, useSession } from 'tokenkeeper/react';

/** Set by the test's server. */
interface ReactPageConfig {
	readonly issuer: string;
	readonly clientId: string;
	/** The emulator's protected API (its `/orders/` resource): base URL and resource identifier. */
	readonly api: string;
	readonly resource: string;
}

/** What the page offers the test besides its elements. */
export interface ReactPageProbe {
	/**
	 * How many times effects ran on this page load: `provider`, the Provider's own effect on a callback URL (each run
	 * looks the URL up in its table of handled callbacks); `app`, the App's mount effect. StrictMode in a development
	 * build runs each twice.
	 */
	readonly effects: { provider: number; app: number };
	/** Forget the session here (`tokens.clear()`), so that a case starts signed out. */
	clear(): Promise<void>;
}

declare global {
	interface Window {
		REACT_PAGE: ReactPageConfig;
		reactPage: ReactPageProbe;
	}
}

const { issuer, clientId, api, resource } = window.REACT_PAGE;
const flow = createAuthorizationCodeFlow(
	oauth2({ issuer, clientId, redirectUri: `${location.origin}/callback`, grant: 'authorization_code' }),
	{
		storage: 'local',
		retry: 0,
	},
);
const effects = { provider: 0, app: 0 };
window.reactPage = { effects, clear: () => flow.tokens.clear() };

// The Provider's effect is the library's: on a callback URL each run of it asks its WeakMap whether this flow has handled
// the URL (src/react/callback.ts), before anything else. Counting those lookups counts the effect's runs, from outside.
const weakMapGet = WeakMap.prototype.get;
WeakMap.prototype.get = function get(this: WeakMap<WeakKey, unknown>, key: WeakKey) {
	if (key === flow) effects.provider += 1;
	return weakMapGet.call(this, key);
};

/** An error as the page shows it: its `code` and, for an authorization response, its `error` (`access_denied`…). */
function describeError(error: unknown): { code: string; error: string } {
	const { code, error: name } = (error ?? {}) as { code?: unknown; error?: unknown };
	return { code: String(code ?? ''), error: String(name ?? '') };
}

function App() {
	const { status, user, error, login, logout } = useSession();
	const orders = useClient({ prefixUrl: api, resource });
	const [apiResult, setApiResult] = useState('');
	useEffect(() => {
		effects.app += 1;
		document.body.dataset.ready = 'true';
	}, []);
	const failure = describeError(error);
	const callApi = () =>
		orders
			.get('recent')
			.json<{ sub: string }>()
			.then(
				(answer) => setApiResult(`ok ${answer.sub}`),
				(reason: unknown) => setApiResult(`error ${describeError(reason).code || String(reason)}`),
			);
	return (
		<main>
			<p id="status">{status}</p>
			<p id="user">{user?.sub ?? ''}</p>
			<p id="error-code">{failure.code}</p>
			<p id="error">{failure.error}</p>
			<button type="button" id="login" onClick={() => void login({ scope: ['openid', 'offline_access'] })}>
				Log in
			</button>
			{/* No end-session page: the tab stays here, and the other tab's change is the channel's alone. */}
			<button type="button" id="logout" onClick={() => void logout({ endSession: false })}>
				Log out
			</button>
			<button type="button" id="call-api" onClick={() => void callApi()}>
				Call the API
			</button>
			<p id="api-result">{apiResult}</p>
		</main>
	);
}

// The redirect URI's route only: another OAuth callback on another page (an integration's) is not this login's.
const isCallback = (url: URL) => url.pathname === '/callback';

createRoot(document.querySelector('#root')!).render(
	<StrictMode>
		<TokenkeeperProvider flow={flow} isCallback={isCallback}>
			<App />
		</TokenkeeperProvider>
	</StrictMode>,
);
