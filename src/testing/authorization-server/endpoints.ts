import type { EmulatorState } from '../emulator/provider-module.js';
import { AuthorizationCodes } from './authorization-codes.js';
import { createAuthorizeEndpoint } from './authorize.js';
import { createPushedAuthorizationEndpoint, PushedRequests } from './pushed-requests.js';
import { createRevokeEndpoint } from './revoke.js';
import type { AuthorizationServerConfig } from './server-config.js';
import { createTokenEndpoint, type GrantHandler } from './token.js';

/** The request handlers of one authorization server; a provider module routes its own paths to them. */
export interface AuthorizationServerEndpoints {
	readonly authorize: (request: Request, url: URL) => Promise<Response>;
	readonly token: (request: Request) => Promise<Response>;
	readonly revoke: (request: Request) => Promise<Response>;
	/** The pushed authorization request endpoint (RFC 9126), whose requests the authorize endpoint takes by reference. */
	readonly pushedAuthorization: (request: Request) => Promise<Response>;
}

/**
 * The authorize, token, revoke and pushed authorization request endpoints of `server`, sharing its authorization codes
 * and pushed requests; `extraGrants`
 * adds grant types to the token endpoint (they must also be in `server.grantTypes`).
 */
export function createAuthorizationServer(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	extraGrants: Readonly<Record<string, GrantHandler>> = {},
): AuthorizationServerEndpoints {
	const codes = new AuthorizationCodes(state.now);
	const pushed = new PushedRequests(state.now);
	return {
		authorize: createAuthorizeEndpoint(state, server, codes, pushed),
		pushedAuthorization: createPushedAuthorizationEndpoint(state, server, pushed),
		token: createTokenEndpoint(state, server, codes, extraGrants),
		revoke: createRevokeEndpoint(state, server),
	};
}
