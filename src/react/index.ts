/**
 * React bindings of tokenkeeper: the session of a login flow in hooks. React 18 or 19 (an optional peer dependency).
 * @example
 * import { TokenkeeperProvider, useSession, useClient } from 'tokenkeeper/react';
 * @packageDocumentation
 */
export { TokenkeeperProvider, type TokenkeeperProviderProps } from './provider.js';
export { type LoginOptions, type Session, useSession } from './use-session.js';
export { type UseAccessTokenOptions, type UseClientOptions, useAccessToken, useClient } from './use-client.js';
