export { createAuthorizationCodeFlow } from './authorization-code-flow.js';
export type { AuthorizationCodeFlow, AuthorizationCodeFlowOptions, AuthorizationUrlOptions, LogoutResult } from './authorization-code-flow.js';
