export { createEmulator } from './emulator/server.js';
export { providerHandlers } from './emulator/msw-handlers.js';

export type { CreateEmulatorOptions, Emulator } from './emulator/server.js';
export type { ProviderHandlers, ProviderHandlersOptions } from './emulator/msw-handlers.js';
export type { EmulatorControls, EmulatorCredentials } from './emulator/core.js';
export type {
	ApiRequestCounters,
	CountedGrantType,
	EmulatorCounters,
	OpenIdCounters,
	ResourceCounters,
	TokenRequestCounters,
} from './emulator/counters.js';
export type { Fault, FaultTarget, InjectFaultOptions, RedirectStatus } from './emulator/faults.js';
export type { ConsentMode, RegisteredClientKey } from './emulator/provider-module.js';
export type { ClientJwks, ClientPublicJwk } from './client-assertions/client-keys.js';
export type { AssertionRefusal } from './client-assertions/verify-assertion.js';
export type { IdTokenFault, InjectOpenIdFaultOptions, UserinfoFault } from './openid/faults.js';
export type { IdTokenAlg } from './openid/jws.js';
export type { EmulatorDpopOptions } from './dpop/options.js';
export type { ProofRefusal } from './dpop/proof-verification.js';
export type { SqoweyClient, SqoweyEmulatorOptions, SqoweyUser } from './sqowey/options.js';
export type { OAuth2EmulatorClient, OAuth2EmulatorCredentials, OAuth2EmulatorOptions, OAuth2EmulatorUser } from './oauth2/options.js';
export type { OAuth2EmulatorResource } from './oauth2/resource-options.js';
export type {
	ClientCredentials,
	DotkernelClient,
	DotkernelRole,
	DotkernelUser,
	EmulatorOptions,
	ProviderName,
} from './emulator/options.js';
