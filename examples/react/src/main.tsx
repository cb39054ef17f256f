/**
 * The React example's entry: the flow made once, at module level (a component would make a new one per render), and
 * the app inside <TokenkeeperProvider>, which completes the login when the provider sends the browser back here.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAuthorizationCodeFlow, oauth2 } from 'tokenkeeper';
import { TokenkeeperProvider } from 'tokenkeeper/react';
import { App } from './App.js';
import { clientId, issuer } from './config.js';

// The redirect URI is the app's start page: the Provider completes the login on any route that gets `?code&state`.
// `storage: 'local'`: one session for every tab of the origin (a login or logout in one is seen in all).
const flow = createAuthorizationCodeFlow(oauth2({ issuer, clientId, redirectUri: `${location.origin}/`, grant: 'authorization_code' }), {
	storage: 'local',
});

const root = document.querySelector('#root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
	<StrictMode>
		<TokenkeeperProvider flow={flow}>
			<App />
		</TokenkeeperProvider>
	</StrictMode>,
);
