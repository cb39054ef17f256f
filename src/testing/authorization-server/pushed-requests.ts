import type { EmulatorState } from '../emulator/provider-module.js';
import { json, NO_STORE } from '../emulator/responses.js';
import { randomBase64Url } from '../emulator/random.js';
import { authenticateClient, oauthError, readOAuthForm } from './oauth-request.js';
import { acceptsRedirectUri } from './redirect.js';
import { repeatableParameters } from './resource-indicators.js';
import type { AuthorizationServerConfig } from './server-config.js';

/** How long a pushed request waits for its authorization request, in seconds (RFC 9126 2.2: short-lived). */
export const PUSHED_REQUEST_LIFETIME = 60;

/** The prefix of every `request_uri` the emulator makes (RFC 9126 2.2). */
const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

// What authenticated the client at the endpoint is no parameter of the authorization request.
const CLIENT_AUTHENTICATION = ['client_secret', 'client_assertion', 'client_assertion_type'];

interface PushedRequest {
	readonly clientId: string;
	readonly parameters: URLSearchParams;
	readonly expiresAt: number;
}

/** Why a `request_uri` is refused at the authorization endpoint, as its error description. */
export type PushedRequestRefusal = string;

/** The pushed authorization requests of one server, each under a one-time `request_uri`. */
export class PushedRequests {
	readonly #requests = new Map<string, PushedRequest>();
	readonly #now: () => number;

	constructor(now: () => number) {
		this.#now = now;
	}

	/** Stores `parameters` for `clientId`; returns the `request_uri` that names them. */
	push(clientId: string, parameters: URLSearchParams): string {
		const now = this.#now();
		// Expired requests are dropped as new ones come, so the map stays as small as the traffic of one minute.
		for (const [uri, pushed] of this.#requests) if (pushed.expiresAt <= now) this.#requests.delete(uri);
		const requestUri = `${REQUEST_URI_PREFIX}${randomBase64Url(24)}`;
		this.#requests.set(requestUri, { clientId, parameters, expiresAt: now + PUSHED_REQUEST_LIFETIME * 1000 });
		return requestUri;
	}

	/**
	 * The parameters pushed under `requestUri`, used up, or why they cannot be had (RFC 9126 4): unknown, used already,
	 * expired, or pushed by another client than `clientId` (left in place: that client cannot spend another's request).
	 */
	take(requestUri: string, clientId: string | null): URLSearchParams | PushedRequestRefusal {
		const pushed = this.#requests.get(requestUri);
		if (!pushed) return 'The request_uri is unknown or was used already: push the authorization request again.';
		if (pushed.clientId !== clientId) return 'The request_uri was pushed by another client than client_id.';
		this.#requests.delete(requestUri);
		if (pushed.expiresAt <= this.#now()) return 'The request_uri has expired: push the authorization request again.';
		return pushed.parameters;
	}
}

/**
 * The pushed authorization request endpoint (`POST`): authenticates the client as the token endpoint does, checks the
 * redirect URI, and keeps the parameters under a one-time `request_uri` for {@link PUSHED_REQUEST_LIFETIME} seconds;
 * the authorization endpoint checks the rest when the request comes back by reference, as it would have directly.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export function createPushedAuthorizationEndpoint(state: EmulatorState, server: AuthorizationServerConfig, requests: PushedRequests) {
	return async function pushedAuthorization(request: Request): Promise<Response> {
		const form = await readOAuthForm(request, repeatableParameters(server.resources));
		if (form instanceof Response) return form;
		const client = await authenticateClient(state, request, form, server);
		if (client instanceof Response) return client;
		if (form.has('request_uri'))
			return oauthError('invalid_request', 'A pushed authorization request cannot carry request_uri (RFC 9126 2.1).');
		const redirectUri = form.get('redirect_uri');
		if (redirectUri === null) return oauthError('invalid_request', 'The redirect_uri parameter is missing.');
		if (!acceptsRedirectUri(client.redirectUris, redirectUri)) {
			return oauthError('invalid_request', 'The redirect_uri is not registered for this application.');
		}
		const parameters = new URLSearchParams(form);
		for (const name of CLIENT_AUTHENTICATION) parameters.delete(name);
		// A client that authenticated with HTTP Basic may have sent no client_id in the body.
		parameters.set('client_id', client.clientId);
		const requestUri = requests.push(client.clientId, parameters);
		return json({ request_uri: requestUri, expires_in: PUSHED_REQUEST_LIFETIME }, 201, NO_STORE);
	};
}
