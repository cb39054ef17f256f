import type { ClientPublicJwk } from '../client-assertions/client-keys.js';
import type { EmulatorDpop } from '../dpop/dpop-server.js';
import type { Counters } from './counters.js';
import type { FaultTarget } from './faults.js';
import type { IssuedTokens } from './issued-tokens.js';
import type { NormalizedOptions } from './options.js';
import type { IdTokenFault, InjectOpenIdFaultOptions, UserinfoFault } from '../openid/faults.js';

/** How the emulated user answers a consent screen; `setConsent()` switches it. */
export type ConsentMode = 'allow' | 'deny';

/** What every provider module shares: one clock, one registry of issued tokens, one set of counters, the switches. */
export interface EmulatorState {
	/** The emulator's base URL, no trailing slash: also the issuer it names in `iss` (RFC 9207). */
	readonly url: string;
	readonly now: () => number;
	readonly tokens: IssuedTokens;
	readonly counters: Counters;
	/** Read at each authorization request, so a switch applies to the next login. */
	consent: ConsentMode;
	/** DPoP at the OAuth2 and Sqowey servers and their APIs: off unless switched on. */
	readonly dpop: EmulatorDpop;
}

/**
 * What a route is for: `'token'`, `'revocation'` and `'device-authorization'` endpoints (the authorization
 * server) get token faults, `'api'` (protected resources) gets api faults. Token, revocation and api requests
 * are each counted in their own counter; device authorization requests are not counted.
 */
export type RouteTarget = FaultTarget | 'revocation' | 'device-authorization' | 'pushed-authorization';

/** One matched route of a provider. */
export interface Route {
	/**
	 * Such requests are counted and can be faulted. Undefined for anything else (not-found answers,
	 * the authorization endpoint a browser navigates to), which is neither.
	 */
	readonly target?: RouteTarget;
	handle(request: Request, url: URL): Promise<Response>;
}

/**
 * A provider the emulator can serve. Adding one means writing a module like this and registering
 * its factory in emulator/core.ts. Providers share the root URL and are asked in a fixed order, so
 * a provider with a more specific path under a shared prefix (Sqowey's `/api/users/@me`) goes first.
 */
export interface ProviderModule {
	readonly name: string;
	/** The route for a request this provider owns, or undefined to let the next provider look. */
	route(method: string, url: URL): Route | undefined;
	/**
	 * For a provider with device logins (RFC 8628): decides the one with `userCode`, or the most recent pending
	 * one, as a person at the verification page would. Throws an Error saying why when it cannot.
	 */
	decideDevice?(decision: ConsentMode, userCode: string | undefined): void;
	/**
	 * For a server that takes client assertions: adds a public key to `clientId` (default: its first confidential
	 * client), under the key's `kid` or its RFC 7638 thumbprint. Throws an InvalidOptionError for a bad key or client.
	 */
	registerClientKey?(publicJwk: ClientPublicJwk, clientId?: string): Promise<RegisteredClientKey>;
	/** For an OpenID Provider: its signing key and OpenID faults, as the emulator's controls switch them. */
	readonly openId?: OpenIdControls;
}

/** The switches of an OpenID Provider, behind the emulator's controls of the same names. */
export interface OpenIdControls {
	rotateSigningKey(): Promise<{ readonly kid: string }>;
	injectIdTokenFault(fault: IdTokenFault, options?: InjectOpenIdFaultOptions): void;
	injectUserinfoFault(fault: UserinfoFault, options?: InjectOpenIdFaultOptions): void;
	clearFaults(): void;
}

/** A key added by `registerClientKey()`: the client it authenticates and the `kid` its assertions name. */
export interface RegisteredClientKey {
	readonly clientId: string;
	readonly kid: string;
}

/** Builds a provider module over the shared state and the normalized options. */
export type ProviderFactory = (state: EmulatorState, options: NormalizedOptions) => ProviderModule;
