import { htmlPage } from '../authorization-server/html-page.js';
import { repeatedParameter } from '../authorization-server/oauth-request.js';
import { acceptsRedirectUri, redirect } from '../authorization-server/redirect.js';
import type { RegisteredClient } from '../authorization-server/registrations.js';
import type { AuthorizationServerConfig } from '../authorization-server/server-config.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { mediaType } from '../emulator/request-parsing.js';
import { decodeCompact, verifySignature } from './jws.js';
import type { SigningKeys } from './signing-keys.js';

const TITLE = 'OAuth2 emulator: sign out';

/** Who an `id_token_hint` names, once its signature is checked. */
interface HintedLogin {
	readonly subject: string;
	readonly audience: readonly string[];
}

/**
 * The end-session endpoint (OpenID RP-Initiated Logout 1.0), `GET` or a `POST` form: `id_token_hint` (an ID token this
 * server signed: its signature and issuer are checked, its expiry is not, as section 2 asks), `client_id`,
 * `post_logout_redirect_uri` (registered for the client) and `state`. It revokes the user's refresh tokens at the client
 * (at every client when none is named) and sends the browser back to the redirect URI with `state`, or shows a
 * "signed out" page. A hint it cannot trust or a redirect URI it cannot check is a 400 page, never a redirect. Without
 * a hint, the user is the emulator's signed-in one (the first user), as a real provider knows it by its cookie.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ValidationAndErrorHandling
 */
export function createEndSessionEndpoint(state: EmulatorState, server: AuthorizationServerConfig, keys: SigningKeys) {
	const refuse = (description: string) => htmlPage(400, TITLE, 'Sign-out refused', description);

	async function readParameters(request: Request, url: URL): Promise<URLSearchParams | Response> {
		if (request.method === 'GET') return url.searchParams;
		if (request.method !== 'POST') return htmlPage(405, TITLE, 'invalid_request', 'Use GET or POST.');
		if (mediaType(request) !== 'application/x-www-form-urlencoded')
			return refuse('A POST must send an application/x-www-form-urlencoded form.');
		return new URLSearchParams(await request.text());
	}

	/** The login an `id_token_hint` names, or why it is refused; never the token itself, in a page or anywhere. */
	async function readHint(hint: string): Promise<HintedLogin | string> {
		const decoded = decodeCompact(hint);
		if (decoded === undefined) return 'The id_token_hint is not a signed JWT.';
		const { header, payload } = decoded;
		if (header.alg !== keys.alg) return `The id_token_hint is not signed with ${keys.alg}, the algorithm this server signs ID tokens with.`;
		const key = await keys.find(header.kid);
		if (key === undefined) return 'The id_token_hint names a key (kid) this server never published.';
		if (!(await verifySignature(keys.alg, key.publicKey, decoded.signingInput, decoded.signature)))
			return 'The id_token_hint was not signed by this server: its signature does not verify.';
		if (payload.iss !== state.url) return 'The id_token_hint was issued by another issuer.';
		const audience = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
		if (typeof payload.sub !== 'string' || !audience.every((entry) => typeof entry === 'string'))
			return 'The id_token_hint has no sub or a malformed aud.';
		return { subject: payload.sub, audience };
	}

	return async function endSession(request: Request, url: URL): Promise<Response> {
		state.counters.endSession();
		const params = await readParameters(request, url);
		if (params instanceof Response) return params;
		const repeated = repeatedParameter(params);
		if (repeated !== undefined) return refuse(`The \`${repeated}\` parameter is included more than once.`);
		const hint = params.get('id_token_hint');
		const login = hint === null ? undefined : await readHint(hint);
		if (typeof login === 'string') return refuse(login);

		const clientId = params.get('client_id');
		let client: RegisteredClient | undefined;
		if (clientId !== null) {
			client = server.clients.find((candidate) => candidate.clientId === clientId);
			if (client === undefined) return refuse('Unknown client_id.');
			if (login !== undefined && !login.audience.includes(clientId))
				return refuse('The id_token_hint was issued to another client than client_id.');
		} else if (login !== undefined) {
			client = server.clients.find((candidate) => login.audience.includes(candidate.clientId));
		}

		const redirectUri = params.get('post_logout_redirect_uri');
		if (redirectUri !== null) {
			// Section 3: the URI must be checked against the client's registration, so the client must be known.
			if (client === undefined) return refuse('A post_logout_redirect_uri needs an id_token_hint or a client_id, to check it against.');
			if (!acceptsRedirectUri(client.postLogoutRedirectUris, redirectUri))
				return refuse('The post_logout_redirect_uri is not registered for this application.');
		}

		state.tokens.revokeRefreshTokensOf(server.provider, login?.subject ?? server.subject, client?.clientId);
		if (redirectUri !== null) return redirect(redirectUri, { state: params.get('state') ?? undefined });
		return htmlPage(200, TITLE, 'Signed out', 'You are signed out. You can close this window.');
	};
}
