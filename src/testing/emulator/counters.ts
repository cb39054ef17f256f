import { ASSERTION_REFUSALS, type AssertionRefusal } from '../client-assertions/verify-assertion.js';
import type { ProofRefusal } from '../dpop/proof-verification.js';

/** Grant types the emulator counts separately. */
export type CountedGrantType =
	| 'client_credentials'
	| 'password'
	| 'refresh_token'
	| 'authorization_code'
	| 'device_code'
	| 'token_exchange';

/** Token requests: all of them, and by `grant_type` when it is one of these. */
export type TokenRequestCounters = { total: number } & Record<CountedGrantType, number>;

/** Requests to protected resources; `rejected` = answered 401 or 403. */
export interface ApiRequestCounters {
	total: number;
	ok: number;
	rejected: number;
}

/** What one protected resource of the OAuth2 server (RFC 8707) has seen. */
export interface ResourceCounters {
	/** Token requests naming this resource (`resource=`), rejected ones included, by `grant_type`. */
	tokenRequests: TokenRequestCounters;
	/** Requests to its API; `rejected` = answered 401 (no, bad, expired or revoked token, or one for another resource). */
	apiRequests: ApiRequestCounters;
}

/** What the emulator has seen since it started or since `resetCounters()`. */
export interface EmulatorCounters {
	/**
	 * Every request that reached a token endpoint, rejected ones included; by `grant_type` when it is one of these
	 * (`device_code`: each poll of a device login, `urn:ietf:params:oauth:grant-type:device_code`; `token_exchange`:
	 * each token exchange, RFC 8693's `urn:ietf:params:oauth:grant-type:token-exchange`).
	 */
	tokenRequests: TokenRequestCounters;
	/** Requests to protected resources; `rejected` = answered 401 or 403 (no, bad, expired or revoked token, or wrong role). */
	apiRequests: ApiRequestCounters;
	/**
	 * Per protected resource of the OAuth2 server, by its identifier (`emulator.credentials.oauth2.resources`): the
	 * token requests that named it and the calls to its API (also counted in `tokenRequests` and `apiRequests`).
	 */
	resources: Record<string, ResourceCounters>;
	/** Refresh tokens presented again after they had been used (rotation). */
	refreshTokenReuse: number;
	/** Every request that reached a revocation endpoint (RFC 7009), rejected ones included. */
	revocations: number;
	/** Every request that reached a pushed authorization request endpoint (RFC 9126), rejected ones included. */
	pushedAuthorizationRequests: number;
	/** Injected faults served instead of a normal answer; such requests count nowhere else. */
	faultsServed: number;
	/** DPoP (when on, `setDpop()`): proofs accepted, proofs refused by reason, nonces issued. */
	dpop: {
		accepted: number;
		refused: Record<ProofRefusal, number> & { total: number };
		noncesIssued: number;
	};
	/** OpenID Connect at the OAuth2 server. */
	oidc: OpenIdCounters;
	/**
	 * Client assertions (private_key_jwt, client_secret_jwt) at the OAuth2 server's token, revocation and device
	 * authorization endpoints: accepted, and refused by the check that failed (each refusal answered 401 invalid_client).
	 */
	clientAssertions: {
		accepted: number;
		refused: Record<AssertionRefusal, number> & { total: number };
	};
}

/** What the OAuth2 server has done as an OpenID Provider. */
export interface OpenIdCounters {
	/** ID tokens issued (code exchanges, device logins and refreshes of logins with `openid`), faulty ones included. */
	idTokens: number;
	/** ID tokens and userinfo answers spoiled by an injected fault (`injectIdTokenFault()`, `injectUserinfoFault()`). */
	faultsServed: number;
	/** Requests to the end-session endpoint (RP-Initiated Logout), refused ones included. */
	endSessions: number;
}

/** Each counted `grant_type` and the counter it goes to: extension grants are URIs (RFC 6749 4.5). */
const GRANT_TYPES: ReadonlyMap<string, CountedGrantType> = new Map([
	['client_credentials', 'client_credentials'],
	['password', 'password'],
	['refresh_token', 'refresh_token'],
	['authorization_code', 'authorization_code'],
	['urn:ietf:params:oauth:grant-type:device_code', 'device_code'],
	['urn:ietf:params:oauth:grant-type:token-exchange', 'token_exchange'],
]);

/** The mutable counters behind `counters()` snapshots. */
export class Counters {
	readonly #resources: string[] = [];
	#value: EmulatorCounters = zero(this.#resources);

	/** Adds a protected resource to count for, by its identifier (called once by the provider that serves it). */
	addResource(identifier: string): void {
		this.#resources.push(identifier);
		this.#value.resources[identifier] = zeroResource();
	}

	/** Counts a request that reached a token endpoint (called by the core, before the body is read). */
	tokenRequest(): void {
		this.#value.tokenRequests.total += 1;
	}

	/** Counts the grant type of a token request (called by the route once it has read the body). */
	grantType(grantType: unknown): void {
		countGrantType(this.#value.tokenRequests, grantType);
	}

	/** Counts a token request naming `resource`; a resource not added is not counted. */
	resourceTokenRequest(resource: string, grantType: unknown): void {
		const counters = this.#resource(resource);
		if (counters === undefined) return;
		counters.tokenRequests.total += 1;
		countGrantType(counters.tokenRequests, grantType);
	}

	/** Counts a protected-resource request by the status it was answered with. */
	apiRequest(status: number): void {
		countApiRequest(this.#value.apiRequests, status);
	}

	/** Counts a request to the API of `resource` (an added one) by the status it was answered with. */
	resourceApiRequest(resource: string, status: number): void {
		const counters = this.#resource(resource);
		if (counters !== undefined) countApiRequest(counters.apiRequests, status);
	}

	// Own keys only: a `resource` parameter is whatever a client sent, `constructor` included.
	#resource(identifier: string): ResourceCounters | undefined {
		return Object.hasOwn(this.#value.resources, identifier) ? this.#value.resources[identifier] : undefined;
	}

	/** Counts a refresh token presented again after it was used. */
	refreshTokenReuse(): void {
		this.#value.refreshTokenReuse += 1;
	}

	/** Counts a request that reached a revocation endpoint (called by the core, before the body is read). */
	revocation(): void {
		this.#value.revocations += 1;
	}

	/** Counts a request that reached a pushed authorization request endpoint (called by the core, before the body is read). */
	pushedAuthorizationRequest(): void {
		this.#value.pushedAuthorizationRequests += 1;
	}

	/** Counts an injected fault served instead of a normal answer. */
	faultServed(): void {
		this.#value.faultsServed += 1;
	}

	/** Counts a DPoP proof that passed every check. */
	dpopAccepted(): void {
		this.#value.dpop.accepted += 1;
	}

	/** Counts a DPoP proof refused, by why. */
	dpopRefused(reason: ProofRefusal): void {
		this.#value.dpop.refused.total += 1;
		this.#value.dpop.refused[reason] += 1;
	}

	/** Counts a DPoP nonce handed out. */
	dpopNonceIssued(): void {
		this.#value.dpop.noncesIssued += 1;
	}

	/** Counts a client assertion that passed every check. */
	clientAssertionAccepted(): void {
		this.#value.clientAssertions.accepted += 1;
	}

	/** Counts a client assertion refused, by the check that failed. */
	clientAssertionRefused(reason: AssertionRefusal): void {
		this.#value.clientAssertions.refused.total += 1;
		this.#value.clientAssertions.refused[reason] += 1;
	}

	/** Counts an ID token issued; `faulty`: spoiled by an injected fault. */
	idTokenIssued(faulty: boolean): void {
		this.#value.oidc.idTokens += 1;
		if (faulty) this.#value.oidc.faultsServed += 1;
	}

	/** Counts a userinfo answer spoiled by an injected fault. */
	userinfoFaultServed(): void {
		this.#value.oidc.faultsServed += 1;
	}

	/** Counts a request to the end-session endpoint. */
	endSession(): void {
		this.#value.oidc.endSessions += 1;
	}

	/** A deep copy, so callers can keep it and compare it with a later one. */
	snapshot(): EmulatorCounters {
		const value = this.#value;
		return {
			...value,
			tokenRequests: { ...value.tokenRequests },
			apiRequests: { ...value.apiRequests },
			resources: Object.fromEntries(
				Object.entries(value.resources).map(([identifier, counters]) => [
					identifier,
					{ tokenRequests: { ...counters.tokenRequests }, apiRequests: { ...counters.apiRequests } },
				]),
			),
			dpop: { ...value.dpop, refused: { ...value.dpop.refused } },
			oidc: { ...value.oidc },
			clientAssertions: { ...value.clientAssertions, refused: { ...value.clientAssertions.refused } },
		};
	}

	/** Back to zero, as after start; the resources added stay, at zero. */
	reset(): void {
		this.#value = zero(this.#resources);
	}
}

function countGrantType(counters: TokenRequestCounters, grantType: unknown): void {
	const counted = typeof grantType === 'string' ? GRANT_TYPES.get(grantType) : undefined;
	if (counted !== undefined) counters[counted] += 1;
}

function countApiRequest(counters: ApiRequestCounters, status: number): void {
	counters.total += 1;
	if (status >= 200 && status < 300) counters.ok += 1;
	else if (status === 401 || status === 403) counters.rejected += 1;
}

function zeroResource(): ResourceCounters {
	return {
		tokenRequests: {
			total: 0,
			client_credentials: 0,
			password: 0,
			refresh_token: 0,
			authorization_code: 0,
			device_code: 0,
			token_exchange: 0,
		},
		apiRequests: { total: 0, ok: 0, rejected: 0 },
	};
}

function zero(resources: readonly string[]): EmulatorCounters {
	return {
		tokenRequests: {
			total: 0,
			client_credentials: 0,
			password: 0,
			refresh_token: 0,
			authorization_code: 0,
			device_code: 0,
			token_exchange: 0,
		},
		apiRequests: { total: 0, ok: 0, rejected: 0 },
		resources: Object.fromEntries(resources.map((identifier) => [identifier, zeroResource()])),
		refreshTokenReuse: 0,
		revocations: 0,
		pushedAuthorizationRequests: 0,
		faultsServed: 0,
		dpop: {
			accepted: 0,
			refused: { total: 0, missing: 0, malformed: 0, signature: 0, htm: 0, htu: 0, iat: 0, replay: 0, nonce: 0, ath: 0, binding: 0 },
			noncesIssued: 0,
		},
		oidc: { idTokens: 0, faultsServed: 0, endSessions: 0 },
		clientAssertions: {
			accepted: 0,
			refused: { total: 0, ...(Object.fromEntries(ASSERTION_REFUSALS.map((reason) => [reason, 0])) as Record<AssertionRefusal, number>) },
		},
	};
}
