import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type errors, type KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { followToRedirectUri } from './headless-browser.js';
import { type ApiCounters, createResourceApis, type ResourceApis } from './oidc-provider-apis.js';
import { providerConfiguration, type Resources, SECRET, SPA_REDIRECT_URI, USER } from './oidc-provider-config.js';
import { createProviderStore, type ProviderStore } from './oidc-provider-store.js';

/** Options of {@link startOpenIdProvider}. */
export interface OpenIdProviderOptions {
	/** How long access tokens live, in seconds. Default 3600. */
	readonly accessTokenTTL?: number | undefined;
	/** More registered redirect URIs of the SPA client (a browser page's, whose origin may then call it by CORS). */
	readonly spaRedirectUris?: readonly string[] | undefined;
}

/** What the token endpoint and the APIs saw since the start or the last `resetCounters()`. */
export interface OpenIdProviderCounters {
	/** Token requests, answered or refused: by `grant_type`, and by the `resource` parameter sent (`''`: none). */
	tokenRequests: { total: number; byGrant: Record<string, number>; byResource: Record<string, number> };
	/** Refused token requests by OAuth error code (`invalid_grant`, `invalid_target`…). */
	tokenErrors: Record<string, number>;
	/** Refresh tokens presented again after their first use (counted here, whether or not the provider noticed). */
	refreshTokenReuse: number;
	/** Grants oidc-provider itself revoked because a consumed (rotated) refresh token came back. */
	grantsRevokedOnReuse: number;
	/** Calls to each API, by its resource indicator. */
	apis: Record<string, ApiCounters>;
	/** Unexpected failures inside oidc-provider (its `server_error` event): a test expects none. */
	serverErrors: string[];
}

/** A running certified OpenID Provider (panva's oidc-provider) on 127.0.0.1, with two APIs and switches. */
export interface OpenIdProvider {
	/** Also the origin of everything here: `oauth2({ issuer })` discovers the endpoints. */
	readonly issuer: string;
	/** The APIs' resource indicators (RFC 8707), each an API on this origin. `orders` is the default audience. */
	readonly resources: Resources;
	/** Confidential client-credentials clients (secret in the Basic header, or in the body) and a public SPA (PKCE). */
	readonly clients: {
		readonly basic: { readonly clientId: string; readonly clientSecret: string };
		readonly post: { readonly clientId: string; readonly clientSecret: string };
		readonly spa: { readonly clientId: string; readonly redirectUri: string };
	};
	/** The person every login signs in as. */
	readonly user: string;
	/**
	 * A browser visiting `authorizationUrl`: logs in, consents (or not, see `setConsent`), returns the callback URL (at
	 * the request's `redirect_uri` when it is one of the SPA's registered ones, else at `clients.spa.redirectUri`).
	 */
	login(authorizationUrl: string): Promise<URL>;
	/** How the person answers the consent prompt. Default `allow`. */
	setConsent(answer: 'allow' | 'deny'): void;
	/** A server-side revocation: every grant, refresh token and session is gone, every access token refused. */
	revokeAllTokens(): void;
	/** Every access token issued so far is refused as expired; refresh tokens keep working. */
	expireAllTokens(): void;
	counters(): OpenIdProviderCounters;
	resetCounters(): void;
	close(): Promise<void>;
}

function freshTokenCounters(): Omit<OpenIdProviderCounters, 'apis'> {
	return {
		tokenRequests: { total: 0, byGrant: {}, byResource: {} },
		tokenErrors: {},
		refreshTokenReuse: 0,
		grantsRevokedOnReuse: 0,
		serverErrors: [],
	};
}

const increment = (record: Record<string, number>, key: string) => {
	record[key] = (record[key] ?? 0) + 1;
};

/**
 * Starts panva's oidc-provider (OpenID Certified) on a free port of 127.0.0.1, configured as the servers #24 targets:
 * resource indicators (RFC 8707; JWT access tokens whose `aud` is the resource), client credentials, revocation,
 * PKCE required of public clients, refresh tokens that rotate on every use and whose reuse revokes the grant, and a
 * programmatic login in place of its development-only HTML pages.
 */
export async function startOpenIdProvider(options: OpenIdProviderOptions = {}): Promise<OpenIdProvider> {
	let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
	const server: Server = createServer((req, res) => handle?.(req, res));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const resources: Resources = { orders: `${issuer}/orders/`, billing: `${issuer}/billing/` };

	const store: ProviderStore = createProviderStore();
	const apis: ResourceApis = createResourceApis(issuer, Object.values(resources));
	let tokenCounters = freshTokenCounters();
	let consent: 'allow' | 'deny' = 'allow';
	const presentedRefreshTokens = new Set<string>();

	const provider = new Provider(
		issuer,
		providerConfiguration({
			resources,
			adapter: store.adapter,
			accessTokenTTL: options.accessTokenTTL ?? 3600,
			spaRedirectUris: options.spaRedirectUris,
		}),
	);

	provider.on('access_token.issued', (token: { jti: string }) => apis.issued(token.jti));
	provider.on('client_credentials.issued', (token: { jti: string }) => apis.issued(token.jti));
	provider.on('grant.error', (_ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
		// Its message for a consumed refresh token (the public description only says `grant request is invalid`).
		if (error.error_detail === 'refresh token already used') tokenCounters.grantsRevokedOnReuse += 1;
	});
	provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => tokenCounters.serverErrors.push(error.message));
	// After oidc-provider's own handling: the body as the client sent it (its `params` get the default resource filled in).
	provider.use(async (ctx, next) => {
		await next();
		const oidc = (ctx as KoaContextWithOIDC).oidc;
		if (oidc?.route !== 'token') return;
		const body = oidc.body ?? {};
		const counts = tokenCounters.tokenRequests;
		counts.total += 1;
		increment(counts.byGrant, String(body.grant_type));
		for (const resource of [body.resource ?? ''].flat()) increment(counts.byResource, String(resource));
		if (ctx.status >= 400) increment(tokenCounters.tokenErrors, String((ctx.body as { error?: unknown } | undefined)?.error));
		if (body.grant_type === 'refresh_token' && typeof body.refresh_token === 'string') {
			const presented = createHash('sha256').update(body.refresh_token).digest('base64url');
			if (presentedRefreshTokens.has(presented)) tokenCounters.refreshTokenReuse += 1;
			presentedRefreshTokens.add(presented);
		}
	});

	/** The person at the interaction page: signs in as {@link USER}, then grants what was asked (or declines). */
	async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const details = await provider.interactionDetails(req, res);
		if (consent === 'deny') {
			const declined = { error: 'access_denied', error_description: 'The person declined.' };
			return provider.interactionFinished(req, res, declined, { mergeWithLastSubmission: false });
		}
		if (details.prompt.name === 'login') {
			return provider.interactionFinished(req, res, { login: { accountId: USER } }, { mergeWithLastSubmission: false });
		}
		const grant = details.grantId
			? await provider.Grant.find(details.grantId)
			: new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
		if (!grant) throw new Error(`grant ${details.grantId} not found`);
		const missing = details.prompt.details as {
			missingOIDCScope?: string[];
			missingOIDCClaims?: string[];
			missingResourceScopes?: Record<string, string[]>;
		};
		if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
		if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
		for (const [resource, granted] of Object.entries(missing.missingResourceScopes ?? {}))
			grant.addResourceScope(resource, granted.join(' '));
		const grantId = await grant.save();
		return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
	}

	const callback = provider.callback();
	handle = (req, res) => {
		if (apis.serve(req, res)) return;
		if (!req.url?.startsWith('/interaction/')) return void callback(req, res);
		interact(req, res).catch((error: unknown) => {
			res.writeHead(500, { 'content-type': 'text/plain' });
			res.end(`interaction failed: ${String(error)}`);
		});
	};

	return {
		issuer,
		resources,
		clients: {
			basic: { clientId: 'service-basic', clientSecret: SECRET },
			post: { clientId: 'service-post', clientSecret: SECRET },
			spa: { clientId: 'spa', redirectUri: SPA_REDIRECT_URI },
		},
		user: USER,
		login(authorizationUrl) {
			const asked = new URL(authorizationUrl).searchParams.get('redirect_uri');
			const registered = asked !== null && (options.spaRedirectUris ?? []).includes(asked);
			return followToRedirectUri(authorizationUrl, registered ? asked : SPA_REDIRECT_URI);
		},
		setConsent(answer) {
			consent = answer;
		},
		revokeAllTokens() {
			store.clear();
			apis.kill('revoked');
		},
		expireAllTokens() {
			apis.kill('expired-by-switch');
		},
		counters: () => ({ ...structuredClone(tokenCounters), apis: apis.counters() }),
		resetCounters() {
			tokenCounters = freshTokenCounters();
			apis.resetCounters();
		},
		async close() {
			const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
			server.closeAllConnections();
			await closed;
		},
	};
}

/**
 * One oidc-provider for a test file: started before the first test, closed after the last, counters and consent
 * reset between tests. Returns the accessor to use inside tests.
 */
export function useOpenIdProvider(options?: OpenIdProviderOptions): () => OpenIdProvider {
	let op: OpenIdProvider | undefined;
	beforeAll(async () => {
		op = await startOpenIdProvider(options);
	});
	afterAll(() => op?.close());
	afterEach(() => {
		op?.resetCounters();
		op?.setConsent('allow');
	});
	return () => {
		if (!op) throw new Error('the OpenID Provider is not started yet: use it inside a test or hook');
		return op;
	};
}
