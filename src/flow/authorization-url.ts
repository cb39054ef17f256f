/** Options of {@link AuthorizationCodeFlow.createAuthorizationUrl}. */
export interface AuthorizationUrlOptions {
	/** Scopes: an array or a space-separated string. */
	readonly scope?: string | readonly string[] | undefined;
	/** Overrides the provider's `redirectUri` for this attempt. */
	readonly redirectUri?: string | undefined;
	/**
	 * The APIs the login is for (RFC 8707 resource indicators): one login covers them all. The code exchange gets the
	 * first one's token; the others come by refresh, when a call asks for them. Default: the provider's `resource`.
	 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
	 */
	readonly resource?: string | readonly string[] | undefined;
	/**
	 * Push the request's parameters to the server first (RFC 9126), and send the browser with a reference to them only
	 * (`client_id` and `request_uri`): they then travel over the back channel, authenticated, out of the browser's
	 * history. Needs the server's `pushed_authorization_request_endpoint`. A server that requires pushed requests
	 * (`require_pushed_authorization_requests`) gets them whatever this says. Default `false`.
	 * @see https://www.rfc-editor.org/rfc/rfc9126#section-1
	 */
	readonly par?: boolean | undefined;
	/** More authorization request parameters (`prompt`, `login_hint`…). */
	readonly [parameter: string]: string | readonly string[] | boolean | undefined;
}

/** What {@link buildAuthorizationUrl} needs: nothing here does I/O. */
export interface AuthorizationUrlInput {
	readonly authorizationEndpoint: string;
	readonly clientId: string;
	readonly redirectUri: string;
	readonly scope: string | undefined;
	readonly state: string;
	readonly codeChallenge: string;
	/** The DPoP key's JWK thumbprint, when the session has `dpop` (RFC 9449 10). */
	readonly dpopJkt?: string | undefined;
	/** The login's nonce (OpenID Connect Core 3.1.2.1), when the scope holds `openid`. */
	readonly nonce?: string | undefined;
	/** The APIs the login is for, each in a parameter of its own (RFC 8707 2.1). */
	readonly resources?: readonly string[] | undefined;
	/** The name of that parameter: `resource`, or Auth0's `audience`. Default `resource`. */
	readonly resourceParameter?: string | undefined;
	/** More parameters (`prompt`, `login_hint`…; a list is space-separated); they cannot override the ones above. */
	readonly extra?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
}

/**
 * The authorization request URL: `response_type=code` with PKCE S256 and state. URLSearchParams encodes
 * the space between scopes as `+` (never a bare `%`, unlike Sqowey's documented `identify%bot`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
 */
export function buildAuthorizationUrl(input: AuthorizationUrlInput): string {
	const url = new URL(input.authorizationEndpoint);
	const required: Record<string, string | undefined> = {
		response_type: 'code',
		client_id: input.clientId,
		redirect_uri: input.redirectUri,
		scope: input.scope,
		state: input.state,
		code_challenge: input.codeChallenge,
		code_challenge_method: 'S256',
	};
	if (input.dpopJkt !== undefined) required.dpop_jkt = input.dpopJkt;
	if (input.nonce !== undefined) required.nonce = input.nonce;
	// The protocol's parameters last, so that they win; an absent one (`scope`) is removed, even from the endpoint's URL.
	for (const [name, value] of Object.entries({ ...input.extra, ...required })) {
		if (value !== undefined) url.searchParams.set(name, Array.isArray(value) ? value.join(' ') : (value as string));
		else if (name in required) url.searchParams.delete(name);
	}
	for (const resource of input.resources ?? []) url.searchParams.append(input.resourceParameter ?? 'resource', resource);
	return url.toString();
}

/**
 * The authorization request URL of a pushed request: the endpoint with `client_id` and `request_uri` only, as the
 * parameters are the server's already (the endpoint's own query, if it has one, is kept).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export function buildPushedAuthorizationUrl(authorizationEndpoint: string, clientId: string, requestUri: string): string {
	const url = new URL(authorizationEndpoint);
	url.searchParams.set('client_id', clientId);
	url.searchParams.set('request_uri', requestUri);
	return url.toString();
}
