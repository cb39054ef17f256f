import type { Counters } from './counters.js';
import type { FaultTarget } from './faults.js';
import type { NormalizedOptions } from './options.js';
import type { TokenStore } from './token-store.js';

/** What every provider module shares: one clock, one token store, one set of counters. */
export interface EmulatorState {
  readonly now: () => number;
  readonly tokens: TokenStore;
  readonly counters: Counters;
}

/** One matched route of a provider. */
export interface Route {
  /**
   * `'token'` for token endpoints, `'api'` for protected resources: such requests are counted and can
   * be faulted. Undefined for anything else (not-found answers, login pages), which is neither.
   */
  readonly target?: FaultTarget;
  handle(request: Request, url: URL): Promise<Response>;
}

/**
 * A provider the emulator can serve. Adding one means writing a module like this and registering
 * its factory in emulator-core.ts; providers share the root URL, so their paths must not collide.
 */
export interface ProviderModule {
  readonly name: string;
  /** The route for a request this provider owns, or undefined to let the next provider look. */
  route(method: string, url: URL): Route | undefined;
}

/** Builds a provider module over the shared state and the normalised options. */
export type ProviderFactory = (state: EmulatorState, options: NormalizedOptions) => ProviderModule;
