/**
 * The page: who is signed in, the buttons that change it, and a call to the provider's API with the session's token.
 */
import { useState } from 'react';
import { isTokenkeeperError } from 'tokenkeeper';
import { useClient, useSession } from 'tokenkeeper/react';
import { issuer } from './config.js';

const SCOPE = ['openid', 'offline_access'];

/** An error as the page shows it: a tokenkeeper error's code and message (they never hold a token or a code). */
function describe(error: unknown): string {
	return isTokenkeeperError(error) ? `${error.code}: ${error.message}` : String(error);
}

export function App() {
	const { status, user, error, login, logout } = useSession();
	// An inline options object is fine: the client is made once per options' values, and keeps its cached token.
	const api = useClient({ prefixUrl: issuer });
	const [answer, setAnswer] = useState<string>();

	// Each action's failure is shown below; a failed login is also the session's `error`.
	const run = (action: () => Promise<unknown>) => () => {
		action().then(
			(value) => setAnswer(value === undefined ? undefined : JSON.stringify(value, null, 2)),
			(failure: unknown) => setAnswer(describe(failure)),
		);
	};

	return (
		<main>
			<h1>tokenkeeper + React</h1>
			<p data-testid="status">
				Status: <strong>{status}</strong>
				{status === 'signed-in' && user ? ` as ${String(user.preferred_username ?? user.name ?? user.sub)} (sub ${user.sub})` : ''}
			</p>
			{status === 'error' && <p role="alert">The last login failed: {describe(error)}</p>}
			{status === 'signed-in' ? (
				<>
					{/* The emulator's userinfo endpoint, with the session's access token (refreshed when needed). */}
					<button type="button" onClick={run(() => api.get('oauth2/v1/userinfo').json())}>
						Call the API
					</button>
					<button type="button" onClick={run(() => logout({ postLogoutRedirectUri: `${location.origin}/` }))}>
						Log out
					</button>
				</>
			) : (
				<>
					<button type="button" disabled={status === 'loading'} onClick={run(() => login({ scope: SCOPE }))}>
						Log in
					</button>
					{/* `login` is called in the click handler itself: the popup opens before anything is awaited. */}
					<button
						type="button"
						disabled={status === 'loading'}
						onClick={run(() => login({ scope: SCOPE, popup: true, redirectUri: `${location.origin}/popup-callback.html` }))}
					>
						Log in with a popup
					</button>
				</>
			)}
			{answer !== undefined && <pre>{answer}</pre>}
		</main>
	);
}
