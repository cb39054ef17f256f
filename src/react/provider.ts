import { createElement, type ReactElement, type ReactNode, useEffect } from 'react';
import type { AuthorizationCodeFlow } from 'tokenkeeper';
import { completeLoginOnce } from './callback.js';
import { FlowContext } from './context.js';

/** Props of {@link TokenkeeperProvider}. */
export interface TokenkeeperProviderProps {
	/** The session's flow, made once, outside any component (`createAuthorizationCodeFlow`). */
	readonly flow: AuthorizationCodeFlow;
	/**
	 * Which addresses are this login's callback. Default: any with `state` and a `code` or an `error`, on any route. Narrow
	 * it when the app gets other OAuth callbacks on its pages (an integration's), which the Provider would otherwise take
	 * for its own (and answer with `state_mismatch`): `(url) => url.pathname === '/callback'`. Define it outside the
	 * component, so that it is the same function at each render.
	 */
	readonly isCallback?: ((url: URL) => boolean) | undefined;
	readonly children?: ReactNode;
}

/**
 * Gives its children the session of `flow`. On the redirect URI it completes the login once (StrictMode's second
 * effect and a reload mid-callback never exchange a code twice), removes `code` and `state` from the address bar and
 * goes back to the page the login started from. On a server it renders its children with the session `loading`.
 * @example
 * const flow = createAuthorizationCodeFlow(oauth2({ issuer, clientId, redirectUri: location.origin }), { storage: 'local' });
 * createRoot(root).render(<TokenkeeperProvider flow={flow}><App /></TokenkeeperProvider>);
 */
export function TokenkeeperProvider({ flow, isCallback, children }: TokenkeeperProviderProps): ReactElement {
	useEffect(() => completeLoginOnce(flow, isCallback), [flow, isCallback]);
	return createElement(FlowContext.Provider, { value: flow }, children);
}
