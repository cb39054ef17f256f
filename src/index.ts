export { createTokenManager } from './manager.js';
export { isTokenManager } from './token-manager.js';
export { createClient } from './client/create-client.js';
export { authFetch } from './client/auth-fetch.js';
export { squidex } from './providers/squidex.js';
export { oauth2 } from './providers/oauth2.js';
export { dotkernel } from './providers/dotkernel.js';
export { sqowey } from './providers/sqowey.js';
export { defineProvider } from './provider.js';
export { privateKeyJwt } from './client-auth/private-key-jwt.js';
export { clientSecretJwt } from './client-auth/client-secret-jwt.js';
export { createTokenExchange } from './token-exchange/token-exchange.js';
export { tlsClientAuth } from './client-auth/tls-client-auth.js';
export { createTokenSet } from './token-set.js';
export { createMemoryStore } from './stores/memory.js';
export { createWebStorageStore } from './stores/browser/web-storage.js';
export { createIndexedDbStore } from './stores/browser/indexed-db.js';
export { createAuthorizationCodeFlow } from './flow/authorization-code-flow.js';
export { createDeviceAuthorizationFlow } from './flow/device-authorization-flow.js';
export { handlePopupCallback } from './flow/popup-callback.js';
export {
	AuthorizationResponseError,
	AuthorizationServerMismatchError,
	DpopError,
	ErrorCode,
	IdTokenError,
	isLoginRequiredError,
	isOAuthError,
	isStoreError,
	InvalidOptionError,
	isTokenkeeperError,
	LoginRequiredError,
	MissingPackageError,
	NetworkError,
	OAuthError,
	PopupError,
	RequestNotReplayableError,
	StoreError,
	TokenkeeperError,
	TokenResponseError,
} from './errors.js';

export type { TokenManager, TokenManagerOptions, GetTokenOptions } from './token-manager.js';
export type { ClientOptions } from './client/create-client.js';
export type { AuthFetchOptions } from './client/auth-fetch.js';
export type { Auth } from './client/client-options.js';
export type { SquidexOptions } from './providers/squidex.js';
export type { OAuth2Options } from './providers/oauth2.js';
export type { DotkernelOptions } from './providers/dotkernel.js';
export type { SqoweyOptions } from './providers/sqowey.js';
export type { ClientAuthMethod, ClientAuthSession } from './provider.js';
export type { AssertionAudience, AssertionOptions } from './client-auth/client-assertion.js';
export type { AssertionSigner, PrivateKeyJwtOptions } from './client-auth/private-key-jwt.js';
export type { JwsAlgorithm } from './jws-algorithms.js';
export type { ClientSecretJwtOptions } from './client-auth/client-secret-jwt.js';
export type { TokenExchange, TokenExchangeOptions, TokenExchangeRequest } from './token-exchange/token-exchange.js';
export type { Pem, TlsClientAuthMethod, TlsClientAuthOptions } from './client-auth/tls-client-auth.js';
export type {
	BodyEncoding,
	ClientAuthentication,
	PasswordCredentials,
	PrimaryGrant,
	Provider,
	ProviderDefinition,
	ProviderEndpoints,
	ResourceParameter,
} from './provider.js';
export type { MtlsEndpointAliases } from './provider-endpoints.js';
export type { TokenSet, TokenSetInit } from './token-set.js';
export type { TokenStore, TokenStoreLockOptions, TokenStoreSetOptions } from './stores/store.js';
export type { MemoryStoreOptions } from './stores/memory.js';
export type { WebStorageStoreOptions } from './stores/browser/web-storage.js';
export type { IndexedDbStoreOptions } from './stores/browser/indexed-db.js';
export type { LockManagerLike } from './stores/browser/tab-lock.js';
export type { AttemptStorage, KeyValueStorage } from './key-value-storage.js';
export type { AuthorizationCodeFlow, LogoutOptions, LogoutResult } from './flow/authorization-code-flow.js';
export type { AuthorizationCodeFlowOptions } from './flow/flow-options.js';
export type { IdTokenUser } from './flow/id-token-user.js';
export type { AuthorizationUrlOptions } from './flow/authorization-url.js';
export type { PopupOptions } from './flow/popup.js';
export type { SessionSnapshot, SessionStatus } from './flow/session-state.js';
export type { TokenStorageKind } from './stores/browser/storage-kind.js';
export type { DeviceAuthorizationFlow, DeviceAuthorizationFlowOptions, DeviceLogin } from './flow/device-authorization-flow.js';
export type { SessionChangeEvent, TokenManagerEventName, TokenManagerEvents, TokenManagerListener } from './events.js';
export type { RetryOptions, TransportOptions } from './endpoint/index.js';
export type { IdTokenCheck, OAuthErrorFields, PopupFailure, TokenkeeperErrorOptions } from './errors.js';
export type { DpopDowngradeEvent, DpopOption } from './dpop/types.js';
export type {
	ApiRetryMessage,
	LockWaitMessage,
	NearCacheHitMessage,
	RefreshAheadMessage,
	StoreMessage,
	TokenRequestMessage,
	TokenRequestReason,
} from './diagnostics/channels.js';
