export { createEmulator } from './server.js';
export { providerHandlers } from './handlers.js';

export type { CreateEmulatorOptions, Emulator } from './server.js';
export type { ProviderHandlers, ProviderHandlersOptions } from './handlers.js';
export type { EmulatorControls, EmulatorCredentials } from './emulator-core.js';
export type { EmulatorCounters } from './counters.js';
export type { Fault, FaultTarget, InjectFaultOptions } from './faults.js';
export type { ConsentMode } from './provider-module.js';
export type { SqoweyClient, SqoweyOptions, SqoweyUser } from './sqowey-options.js';
export type {
  ClientCredentials,
  DotkernelClient,
  DotkernelRole,
  DotkernelUser,
  EmulatorOptions,
  ProviderName,
} from './options.js';
