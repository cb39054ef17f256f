/**
 * The two steps of a login, loaded with `import()` when a login starts or ends (a chunk of its own in browsers, as DPoP
 * is): the authorization request (state, PKCE, nonce, the URL) and the authorization response (its checks, then the
 * code exchange through the session). A page that only calls APIs with the session does not load them.
 */
import { authorizationCodeGrant } from '../grants.js';
import { computeCodeChallenge, generateCodeVerifier, generateState } from '../pkce.js';
import type { Provider } from '../provider.js';
import { normalizeScope } from '../scope.js';
import type { SessionSeam } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import { createAttemptStore } from './attempts.js';
import { type AttemptStorage, attemptStorages } from '../key-value-storage.js';
import { type AuthorizationUrlOptions, buildAuthorizationUrl, buildPushedAuthorizationUrl } from './authorization-url.js';
import { readCallbackParameters, validateAuthorizationResponse } from './callback.js';
import type { AuthorizationCodeFlowOptions } from './flow-options.js';
import type { LoginKit } from './login-kit.js';

/** One flow's login: its provider, session, attempts, and the classes it throws with. */
export interface LoginContext {
	readonly provider: Provider;
	readonly seam: SessionSeam;
	/** The flow's options: its `attemptStorage` (else `sessionStorage` and `localStorage`, see {@link attemptsOf}), `attemptTtl`. */
	readonly options: Pick<AuthorizationCodeFlowOptions, 'attemptStorage' | 'attemptTtl'>;
	/** This flow's memory, where attempts go last: one for the flow's life, so a callback without a reload finds its attempt. */
	readonly memory: AttemptStorage;
	/** Which provider and client the flow's attempts are for (see `LoginAttempt.owner`). */
	readonly owner: string;
	readonly kit: LoginKit;
}

/** Where a login's attempts go, in order (see `createAttemptStore`): chosen here, so an SPA that logs nobody in carries none of it. */
function attemptsOf({ options: { attemptStorage }, memory }: LoginContext) {
	return createAttemptStore([...(attemptStorage ? [attemptStorage] : attemptStorages()), memory], 'tokenkeeper:');
}

/**
 * A new attempt (state, PKCE verifier, nonce with `openid`; single use) and the URL to send the browser to. With `par`,
 * or at a server that requires it, the request's parameters are pushed first and the URL names them by reference.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export async function createAuthorizationUrl(
	login: LoginContext,
	{ scope, redirectUri, resource = login.provider.resource, par = false, ...extra }: AuthorizationUrlOptions = {},
): Promise<string> {
	const { provider, seam, options, owner, kit } = login;
	const attempts = attemptsOf(login);
	const endpoints = await seam.endpoints();
	if (!endpoints.authorization) throw kit.invalidOption('authorizationEndpoint', 'set for a login', endpoints.authorization);
	const target = redirectUri ?? provider.redirectUri;
	if (!target) throw kit.invalidOption('redirectUri', 'set, on the provider or in this call', target);
	if (typeof par !== 'boolean') throw kit.invalidOption('par', 'a boolean', par);
	// RFC 9126 5: a server that requires pushed requests refuses any other, so the login pushes whatever `par` says.
	const pushed = par || endpoints.requirePushedAuthorization === true ? endpoints.pushedAuthorization : undefined;
	if (pushed === undefined && par) {
		throw kit.invalidOption(
			'par',
			"true only at a server with a pushed authorization request endpoint (its metadata's `pushed_authorization_request_endpoint`)",
			par,
		);
	}
	if (pushed === undefined && endpoints.requirePushedAuthorization === true) {
		throw kit.invalidOption(
			'par',
			'usable: the server requires pushed authorization requests but names no `pushed_authorization_request_endpoint`',
			par,
		);
	}
	const state = generateState();
	const codeVerifier = generateCodeVerifier();
	const resources = kit.requireUrls(resource, 'resource');
	const scopes = normalizeScope(scope);
	// OpenID Connect Core 3.1.2.1: the ID token must name this attempt's nonce, which only this browser knows. A provider
	// that names no keys (`jwks_uri`) is no OpenID Provider to tokenkeeper: its logins are what they always were.
	const nonce = endpoints.jwks && scopes?.split(' ').includes('openid') ? generateState() : undefined;
	let url = buildAuthorizationUrl({
		authorizationEndpoint: endpoints.authorization,
		clientId: provider.clientId,
		redirectUri: target,
		scope: scopes,
		state,
		nonce,
		codeChallenge: await computeCodeChallenge(codeVerifier),
		// RFC 9449 10: the code is bound to the session's DPoP key, so only its holder can exchange it.
		dpopJkt: await seam.dpop?.then((dpop) => dpop.thumbprint()),
		resources,
		resourceParameter: provider.resourceParameter,
		extra: extra as Readonly<Record<string, string | readonly string[] | undefined>>,
	});
	if (pushed !== undefined) {
		// Pushed before the attempt is kept: a refused push leaves no attempt behind.
		// A chunk of its own in browsers: most logins never push.
		const { pushAuthorizationRequest } = await import('../endpoint/pushed-authorization.js');
		const { requestUri } = await seam.call(pushAuthorizationRequest(pushed, new URL(url).searchParams, kit));
		url = buildPushedAuthorizationUrl(endpoints.authorization, provider.clientId, requestUri);
	}
	// RFC 8707 2.2: the code exchange names one resource, the first; the others come by refresh.
	await attempts.save({
		state,
		codeVerifier,
		redirectUri: target,
		expiresAt: seam.now() + (options.attemptTtl ?? 10 * 60_000),
		owner,
		resource: resources[0],
		nonce,
	});
	return url;
}

/** Check the redirect back (state, `error`, `iss`), exchange the code at once, keep the tokens. */
export async function handleCallback(login: LoginContext, callbackUrl: string | URL, signal: AbortSignal | undefined): Promise<TokenSet> {
	const { provider, seam, owner, kit } = login;
	const attempts = attemptsOf(login);
	const params = readCallbackParameters(callbackUrl);
	const state = params.get('state');
	if (!state) {
		throw new kit.AuthorizationResponseError('The authorization response has no state: log in again.', { error: 'missing_state' });
	}
	const attempt = await attempts.take(state, seam.now());
	if (!attempt) {
		throw new kit.AuthorizationResponseError(
			"The authorization response's state matches no login in progress (forged, replayed or too old): log in again.",
			{ error: 'state_mismatch' },
		);
	}
	if (attempt.owner !== owner) {
		// Another provider's or client's attempt (or an earlier version's, which names none) is refused before anything
		// is sent, and put back: the callback most likely reached the wrong flow, and its own flow can still finish it.
		await attempts.save(attempt);
		throw new kit.AuthorizationResponseError(
			'The authorization response is for another provider or client: handle it with its flow, or log in again.',
			{ error: 'provider_mismatch' },
		);
	}
	// The attempt is this provider's (checked above): the `iss` must name the issuer the login went to, discovered
	// for a provider found from its API's metadata (RFC 9728).
	const issuer = provider.issuer ?? (await seam.endpoints(signal)).issuer;
	const { code } = validateAuthorizationResponse(params, { state, issuer }, kit.AuthorizationResponseError);
	const grant = authorizationCodeGrant(code, attempt.redirectUri, attempt.codeVerifier);
	return seam.login(grant, signal, attempt.resource, attempt.nonce);
}
