import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, type JWK, jwtVerify } from 'jose';
import Provider, { type errors, type KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { checkProof } from './dpop-proofs.js';
import { followToRedirectUri } from './headless-browser.js';
import { USER } from './oidc-provider-config.js';
import { FAPI_REDIRECT_URI, fapiConfiguration } from './oidc-provider-fapi-config.js';
import { createProviderStore } from './oidc-provider-store.js';

/** Options of {@link startFapiProvider}. */
export interface FapiProviderOptions {
	/** The clients' registered public keys (`jwks` client metadata): what their assertions are checked with. */
	readonly clientJwks: { readonly keys: readonly JWK[] };
}

/** One refusal at the token endpoint: what the client saw (`error`, `description`), and why, as the provider logged it. */
export interface TokenRefusal {
	readonly error: string;
	readonly description: string | undefined;
	/** oidc-provider's `error_detail`: the reason it keeps to itself (the client sees only `client authentication failed`). */
	readonly detail: string | undefined;
}

/** What the token endpoint and the API saw since the start or the last `resetCounters()`. */
export interface FapiProviderCounters {
	/** HTTP requests to the token endpoint, answered or refused. */
	tokenRequests: number;
	/** Requests to the revocation endpoint (RFC 7009), by the status they were answered with. */
	revocations: number[];
	/** The token endpoint's refusals, in order. */
	refusals: TokenRefusal[];
	/** Calls to the API: accepted, and refused with why. */
	api: { ok: number; rejected: string[] };
	/** Unexpected failures inside oidc-provider (its `server_error` event): a test expects none. */
	serverErrors: string[];
}

/** oidc-provider in its FAPI 2.0 profile on 127.0.0.1, with one API that accepts only DPoP-bound tokens. */
export interface FapiProvider {
	readonly issuer: string;
	/** The API's resource indicator (RFC 8707), and the default audience of the client's tokens. */
	readonly api: string;
	readonly tokenEndpoint: string;
	readonly revocationEndpoint: string;
	/** The person every login signs in as. */
	readonly user: string;
	/** A browser at `authorizationUrl`: signs in, consents to what was asked, returns the callback URL (unvisited). */
	login(authorizationUrl: string): Promise<URL>;
	counters(): FapiProviderCounters;
	resetCounters(): void;
	close(): Promise<void>;
}

const freshCounters = (): FapiProviderCounters => ({
	tokenRequests: 0,
	revocations: [],
	refusals: [],
	api: { ok: 0, rejected: [] },
	serverErrors: [],
});

/**
 * The API's check of one request, as a FAPI 2.0 resource server does (RFC 9449 7.1): `Authorization: DPoP`, a JWT
 * access token (RFC 9068: signature against the provider's JWKS, `typ` `at+jwt`, `iss`, `aud` = the API) whose
 * `cnf.jkt` is the thumbprint of the key that signed the request's DPoP proof (checked by jose: `htm`, `htu`, `ath`).
 * Returns the token's claims, or why it refuses.
 */
async function checkDpopRequest(
	req: IncomingMessage,
	url: string,
	verify: (token: string) => ReturnType<typeof jwtVerify>,
): Promise<Record<string, unknown> | string> {
	const token = /^DPoP (.+)$/.exec(req.headers.authorization ?? '')?.[1];
	if (!token) return 'not a DPoP token';
	try {
		const { payload } = await verify(token);
		const proof = await checkProof(String(req.headers.dpop ?? '') || null, req.method ?? 'GET', url, token);
		const cnf = payload.cnf as { jkt?: unknown } | undefined;
		return cnf?.jkt === proof.jkt ? payload : 'proof key is not the token’s cnf.jkt';
	} catch (error) {
		return `invalid: ${(error as Error).message}`;
	}
}

/**
 * Starts panva's oidc-provider (OpenID Certified) on a free port of 127.0.0.1 in its FAPI 2.0 Security Profile (see
 * {@link fapiConfiguration}): a client-credentials client and two web clients (one requiring PAR), all
 * `private_key_jwt` with DPoP-bound tokens; a programmatic login in place of its development-only pages; and the API
 * beside it on the same origin, checking tokens and proofs with jose.
 */
export async function startFapiProvider({ clientJwks }: FapiProviderOptions): Promise<FapiProvider> {
	let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
	const server: Server = createServer((req, res) => handle?.(req, res));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const api = `${issuer}/accounts/`;
	let counters = freshCounters();

	const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
	// Web Crypto's `key_ops: ["sign"]` and `ext` left out: published as they are, a verifier would find no key for `verify`.
	const { kty, crv, x, y, d } = (await crypto.subtle.exportKey('jwk', privateKey)) as JWK;
	const signingKey = { kty, crv, x, y, d, kid: 'fapi-signing-key', alg: 'ES256', use: 'sig' };

	const provider = new Provider(
		issuer,
		fapiConfiguration({
			adapter: createProviderStore().adapter,
			signingKey,
			clientJwks,
			api,
			nonceSecret: Buffer.from(crypto.getRandomValues(new Uint8Array(32))),
		}),
	);

	// Token endpoint refusals only (authorization endpoint errors reach the client at its redirect URI).
	provider.on('grant.error', (_ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
		counters.refusals.push({ error: error.error ?? error.message, description: error.error_description, detail: error.error_detail });
	});
	provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => counters.serverErrors.push(error.message));
	provider.use(async (ctx, next) => {
		await next();
		const route = (ctx as KoaContextWithOIDC).oidc?.route;
		if (route === 'token') counters.tokenRequests += 1;
		if (route === 'revocation') counters.revocations.push(ctx.status);
	});

	const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));
	const verify = (token: string) => jwtVerify(token, keys, { issuer, audience: api, typ: 'at+jwt', algorithms: ['ES256'] });
	async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', issuer).href;
		const verdict = await checkDpopRequest(req, url, verify);
		if (typeof verdict === 'string') {
			counters.api.rejected.push(verdict);
			res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'DPoP error="invalid_token", algs="ES256"' });
			res.end(JSON.stringify({ error: 'invalid_token' }));
			return;
		}
		counters.api.ok += 1;
		const { aud, client_id, scope, cnf } = verdict;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ aud, client_id, scope, cnf }));
	}

	/** The person at the interaction page: signs in as {@link USER}, then grants what was asked. */
	async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const details = await provider.interactionDetails(req, res);
		if (details.prompt.name === 'login') {
			return provider.interactionFinished(req, res, { login: { accountId: USER } }, { mergeWithLastSubmission: false });
		}
		const grant = new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
		const missing = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
		if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
		for (const [resource, granted] of Object.entries(missing.missingResourceScopes ?? {}))
			grant.addResourceScope(resource, granted.join(' '));
		const grantId = await grant.save();
		return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
	}

	const callback = provider.callback();
	handle = (req, res) => {
		const route = req.url?.startsWith('/accounts/') ? answer : req.url?.startsWith('/interaction/') ? interact : undefined;
		if (!route) return void callback(req, res);
		route(req, res).catch((error: unknown) => {
			res.writeHead(500, { 'content-type': 'text/plain' });
			res.end(`failed: ${String(error)}`);
		});
	};

	return {
		issuer,
		api,
		tokenEndpoint: `${issuer}/token`,
		revocationEndpoint: `${issuer}/token/revocation`,
		user: USER,
		login: (authorizationUrl) => followToRedirectUri(authorizationUrl, FAPI_REDIRECT_URI),
		counters: () => structuredClone(counters),
		resetCounters() {
			counters = freshCounters();
		},
		async close() {
			const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
			server.closeAllConnections();
			await closed;
		},
	};
}

/** One FAPI provider for a test file, counters reset between tests. */
export function useFapiProvider(options: () => Promise<FapiProviderOptions>): () => FapiProvider {
	let op: FapiProvider | undefined;
	beforeAll(async () => {
		op = await startFapiProvider(await options());
	});
	afterAll(() => op?.close());
	afterEach(() => op?.resetCounters());
	return () => {
		if (!op) throw new Error('the FAPI provider is not started yet: use it inside a test or hook');
		return op;
	};
}
