import { createContext, useContext } from 'react';
import { type AuthorizationCodeFlow, InvalidOptionError } from 'tokenkeeper';

/** The flow of the nearest {@link TokenkeeperProvider}. */
export const FlowContext = /* @__PURE__ */ createContext<AuthorizationCodeFlow | undefined>(undefined);

/** The flow of the nearest `<TokenkeeperProvider>`: a hook outside one is a mistake said at once, not a silent `loading`. */
export function useFlow(): AuthorizationCodeFlow {
	const flow = useContext(FlowContext);
	if (!flow)
		throw new InvalidOptionError('flow', 'useSession, useClient and useAccessToken need a <TokenkeeperProvider flow={flow}> above them');
	return flow;
}
