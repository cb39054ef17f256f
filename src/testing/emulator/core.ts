import { InvalidOptionError } from '../../errors.js';
import { EmulatorDpop } from '../dpop/dpop-server.js';
import type { EmulatorDpopOptions } from '../dpop/options.js';
import { createDotkernelProvider } from '../dotkernel/provider.js';
import { oauth2EmulatorCredentials, type OAuth2EmulatorCredentials } from '../oauth2/options.js';
import { createOAuth2Provider } from '../oauth2/provider.js';
import { createSqoweyProvider } from '../sqowey/provider.js';
import { createSquidexProvider } from '../squidex/provider.js';
import { CorsPolicy, isPreflight } from './cors.js';
import { Counters, type EmulatorCounters } from './counters.js';
import { faultResponse } from './fault-response.js';
import { FaultQueue, type Fault, type FaultTarget, type InjectFaultOptions } from './faults.js';
import { HangingRequests } from './hangs.js';
import { IssuedTokens } from './issued-tokens.js';
import { normalizeOptions, type EmulatorOptions, type NormalizedOptions, type ProviderName } from './options.js';
import type { IdTokenFault, InjectOpenIdFaultOptions, UserinfoFault } from '../openid/faults.js';
import type {
	ConsentMode,
	EmulatorState,
	OpenIdControls,
	ProviderFactory,
	ProviderModule,
	RegisteredClientKey,
	RouteTarget,
} from './provider-module.js';
import { json } from './responses.js';

/** Ready-made credentials for each emulated provider, pointing at the emulator. */
export interface EmulatorCredentials {
	readonly squidex: { readonly url: string; readonly clientId: string; readonly clientSecret: string };
	readonly dotkernel: {
		readonly url: string;
		readonly clientId: string;
		readonly clientSecret: string;
		readonly username: string;
		readonly password: string;
	};
	/** The first Sqowey client; `clientSecret` only when it is confidential. */
	readonly sqowey: { readonly url: string; readonly clientId: string; readonly clientSecret?: string };
	/** The generic OAuth2 server: a confidential client and, for PKCE and device logins, a public one. */
	readonly oauth2: OAuth2EmulatorCredentials;
}

/** The switches and counters of a running emulator, shared by the node server and the msw handlers. */
export interface EmulatorControls {
	/** Base URL without a trailing slash, e.g. `http://127.0.0.1:43123`. */
	readonly url: string;
	readonly credentials: EmulatorCredentials;
	/** A fresh snapshot of the counters. */
	counters(): EmulatorCounters;
	/** Set every counter back to zero. */
	resetCounters(): void;
	/** Every access and refresh token stops working (server-side revocation, certificate change). */
	revokeAllTokens(): void;
	/** Every access token expires now; refresh tokens keep working. */
	expireAllTokens(): void;
	/** Serves `fault` instead of the normal answer, `times` times (default Infinity) to `target` (default 'token'). */
	injectFault(fault: Fault, options?: InjectFaultOptions): void;
	/** Remove every injected fault, ID token and userinfo faults included. */
	clearFaults(): void;
	/**
	 * The OAuth2 server's next ID token (code exchange, device login or refresh of a login with `openid`) is spoiled as
	 * `fault` says (see {@link IdTokenFault}), and the `times - 1` after it (default `times`: 1, the next one only). The
	 * token response is otherwise normal; each is counted in `counters().oidc.faultsServed`.
	 * @example
	 * emulator.injectIdTokenFault('wrong-nonce');
	 * await expect(flow.handleCallback(callbackUrl)).rejects.toMatchObject({ code: 'ERR_ID_TOKEN', check: 'nonce' });
	 */
	injectIdTokenFault(fault: IdTokenFault, options?: InjectOpenIdFaultOptions): void;
	/** The OAuth2 server's next userinfo answer (`times`, default 1) is spoiled as `fault` says (see {@link UserinfoFault}). */
	injectUserinfoFault(fault: UserinfoFault, options?: InjectOpenIdFaultOptions): void;
	/**
	 * A new ID token signing key (of `oauth2.idTokenAlg`, random `kid`) signs from now on; the JWKS lists it and every
	 * older one. Resolves once the key is made, with its `kid`; an ID token issued meanwhile already waits for it.
	 */
	rotateSigningKey(): Promise<{ readonly kid: string }>;
	/**
	 * How the emulated user answers consent: at an authorization endpoint `'deny'` redirects with
	 * `error=access_denied`; at the OAuth2 server's device verification page it denies the device login. Default `'allow'`.
	 */
	setConsent(mode: ConsentMode): void;
	/**
	 * Approves a pending device login (RFC 8628) of the OAuth2 server without an HTTP call, as a person at the
	 * verification page would: the one with `userCode`, or the most recent pending one. Throws when there is none.
	 * @example
	 * const login = await createDeviceAuthorizationFlow(oauth2({ issuer: emulator.url, clientId, grant: 'device_code' })).start();
	 * emulator.approveDevice(login.userCode);
	 * await login.complete();
	 */
	approveDevice(userCode?: string): void;
	/** Denies a pending device login like {@link EmulatorControls.approveDevice}: its next poll gets `access_denied`. */
	denyDevice(userCode?: string): void;
	/** Replaces the origins allowed by CORS; `undefined` goes back to any loopback origin. */
	setCorsOrigins(origins: ReadonlyArray<string> | undefined): void;
	/**
	 * DPoP (RFC 9449) at the OAuth2 and Sqowey servers and their APIs: on with these options (proofs checked for real,
	 * DPoP-bound tokens issued, nonces required or rotated as told, refusals counted in `counters().dpop`), off with
	 * `undefined`. Tokens issued before keep their binding.
	 * @example
	 * emulator.setDpop({ nonce: 'required' });
	 */
	setDpop(options: EmulatorDpopOptions | undefined): void;
	/**
	 * Registers a client's public key at the OAuth2 server, so the client authenticates with private_key_jwt assertions
	 * it signs (RFC 7523): on `options.clientId`, default `credentials.oauth2.clientId`. The key keeps its `kid`, or
	 * gets its RFC 7638 thumbprint as one. Resolves with the client id and the `kid`; rejects with an
	 * InvalidOptionError for a private or unsupported key, or an unknown client. Keys given as `oauth2.clients[].jwks`
	 * are registered from the start.
	 * @example
	 * const { privateKey, publicKey } = await generateKeyPair('ES256');
	 * const { clientId, kid } = await emulator.registerClientKey(await exportJWK(publicKey));
	 * const tokens = createTokenManager(oauth2({ issuer: emulator.url, clientId, clientAuth: privateKeyJwt({ privateKey, kid }) }));
	 */
	registerClientKey(publicJwk: JsonWebKey & { kid?: string }, options?: { clientId?: string }): Promise<RegisteredClientKey>;
}

/** The emulator without a transport: one Fetch-API handler plus its controls. */
export interface EmulatorCore {
	readonly controls: EmulatorControls;
	/** Answers one request. May settle as `Response.error()` (drop the connection) for faults. */
	handle(request: Request): Promise<Response>;
	/** Ends hanging requests; later hangs end at once. */
	close(): void;
}

const PROVIDERS: Readonly<Record<ProviderName, ProviderFactory>> = {
	squidex: createSquidexProvider,
	dotkernel: createDotkernelProvider,
	sqowey: createSqoweyProvider,
	oauth2: createOAuth2Provider,
};

// The order providers are asked in: Sqowey's `/api/users/@me` sits inside Squidex's `/api/` prefix.
const ROUTING_ORDER: readonly ProviderName[] = ['sqowey', 'oauth2', 'squidex', 'dotkernel'];

// Every endpoint of an authorization server gets token faults, not only its token endpoint.
const FAULT_TARGETS: Readonly<Record<RouteTarget, FaultTarget>> = {
	token: 'token',
	revocation: 'token',
	'device-authorization': 'token',
	'pushed-authorization': 'token',
	api: 'api',
};

/** Builds the emulator's state and request handler; `url` is where the transport serves it. */
export function createEmulatorCore(options: EmulatorOptions | undefined, url: string): EmulatorCore {
	const normalized = normalizeOptions(options);
	const baseUrl = url.replace(/\/+$/, '');
	const counters = new Counters();
	const state: EmulatorState = {
		url: baseUrl,
		now: normalized.now,
		tokens: new IssuedTokens(normalized.now),
		counters,
		consent: 'allow',
		dpop: new EmulatorDpop(normalized.now, counters, normalized.dpop),
	};
	const providers: ProviderModule[] = ROUTING_ORDER.filter((name) => normalized.providers.has(name)).map((name) =>
		PROVIDERS[name](state, normalized),
	);
	const cors = new CorsPolicy(normalized.corsOrigins);
	const faults = new FaultQueue();
	const hangs = new HangingRequests();

	async function answer(request: Request): Promise<Response> {
		const url = new URL(request.url);
		const route = findRoute(providers, request.method, url);
		if (!route) return json({ error: 'not_found', message: `The emulator has no route for ${request.method} ${url.pathname}.` }, 404);
		// Before anything else, faults included: the latency is the distance to the server, whatever it then answers.
		if (route.target === 'token' && normalized.tokenLatency > 0 && !(await hangs.pause(normalized.tokenLatency, request.signal))) {
			return Response.error();
		}
		const fault = route.target === undefined ? undefined : faults.take(FAULT_TARGETS[route.target]);
		if (fault) {
			state.counters.faultServed();
			return faultResponse(fault, request.signal, hangs);
		}
		if (route.target === 'token') state.counters.tokenRequest();
		if (route.target === 'revocation') state.counters.revocation();
		if (route.target === 'pushed-authorization') state.counters.pushedAuthorizationRequest();
		const response = await route.handle(request, url);
		if (route.target === 'api') state.counters.apiRequest(response.status);
		return response;
	}

	return {
		controls: Object.freeze({
			url: baseUrl,
			credentials: credentialsFor(baseUrl, normalized),
			counters: () => state.counters.snapshot(),
			resetCounters: () => state.counters.reset(),
			revokeAllTokens: () => state.tokens.revokeAll(),
			expireAllTokens: () => state.tokens.expireAll(),
			injectFault: (fault: Fault, faultOptions?: InjectFaultOptions) => faults.add(fault, faultOptions),
			clearFaults: () => {
				faults.clear();
				for (const provider of providers) provider.openId?.clearFaults();
			},
			injectIdTokenFault: (fault: IdTokenFault, faultOptions?: InjectOpenIdFaultOptions) =>
				openIdControls(providers).injectIdTokenFault(fault, faultOptions),
			injectUserinfoFault: (fault: UserinfoFault, faultOptions?: InjectOpenIdFaultOptions) =>
				openIdControls(providers).injectUserinfoFault(fault, faultOptions),
			// Async, so a missing provider rejects as every failure of a promise-returning control does.
			rotateSigningKey: async () => openIdControls(providers).rotateSigningKey(),
			setConsent: (mode: ConsentMode) => {
				if (mode !== 'allow' && mode !== 'deny')
					throw new InvalidOptionError('mode', `Expected \`mode\` to be 'allow' or 'deny', got \`${String(mode)}\``);
				state.consent = mode;
			},
			approveDevice: (userCode?: string) => decideDevice(providers, 'allow', userCode),
			denyDevice: (userCode?: string) => decideDevice(providers, 'deny', userCode),
			setCorsOrigins: (origins: ReadonlyArray<string> | undefined) => cors.setOrigins(origins),
			setDpop: (dpopOptions: EmulatorDpopOptions | undefined) => state.dpop.set(dpopOptions),
			// Async, so a missing provider or a bad key rejects as every failure of a promise-returning control does.
			registerClientKey: async (publicJwk: JsonWebKey & { kid?: string }, keyOptions?: { clientId?: string }) => {
				const provider = providers.find((candidate) => candidate.registerClientKey !== undefined);
				if (!provider?.registerClientKey) throw new Error('No server takes client assertions: add `oauth2` to `providers`.');
				return provider.registerClientKey(publicJwk, keyOptions?.clientId);
			},
		}),
		async handle(request) {
			// Preflights are answered before routing, counters and faults, and carry their own CORS headers.
			if (isPreflight(request)) return cors.preflight(request);
			try {
				return cors.apply(request, await answer(request));
			} catch {
				// A bug in a route must look like a server error to the client, never crash the transport.
				return cors.apply(request, json({ error: 'server_error', message: 'The emulator failed to answer.' }, 500));
			}
		},
		close: () => hangs.close(),
	};
}

function findRoute(providers: readonly ProviderModule[], method: string, url: URL) {
	for (const provider of providers) {
		const route = provider.route(method, url);
		if (route) return route;
	}
	return undefined;
}

function decideDevice(providers: readonly ProviderModule[], decision: ConsentMode, userCode: string | undefined): void {
	if (userCode !== undefined && typeof userCode !== 'string') {
		throw new InvalidOptionError('userCode', `Expected \`userCode\` to be a string or undefined, got \`${String(userCode)}\``);
	}
	const provider = providers.find((candidate) => candidate.decideDevice !== undefined);
	if (!provider?.decideDevice) throw new Error('No provider with device logins is served: add `oauth2` to `providers`.');
	provider.decideDevice(decision, userCode);
}

function openIdControls(providers: readonly ProviderModule[]): OpenIdControls {
	const provider = providers.find((candidate) => candidate.openId !== undefined);
	if (!provider?.openId) throw new Error('No OpenID Provider is served: add `oauth2` to `providers`.');
	return provider.openId;
}

function credentialsFor(url: string, options: NormalizedOptions): EmulatorCredentials {
	const squidex = options.squidex.clients[0]!;
	const dotkernel = options.dotkernel;
	// Prefer the user-role pair: it is the one that can log in together.
	const client = dotkernel.clients.find((candidate) => candidate.role === 'user') ?? dotkernel.clients[0]!;
	const user = dotkernel.users.find((candidate) => candidate.role === client.role) ?? dotkernel.users[0];
	const sqowey = options.sqowey.clients[0]!;
	return Object.freeze({
		squidex: Object.freeze({ url, clientId: squidex.clientId, clientSecret: squidex.clientSecret }),
		dotkernel: Object.freeze({
			url,
			clientId: client.clientId,
			clientSecret: client.clientSecret,
			username: user?.username ?? '',
			password: user?.password ?? '',
		}),
		sqowey: Object.freeze({
			url,
			clientId: sqowey.clientId,
			...(sqowey.clientSecret === undefined ? {} : { clientSecret: sqowey.clientSecret }),
		}),
		oauth2: oauth2EmulatorCredentials(url, options.oauth2),
	});
}
