import type { GrantParameters } from '../grants.js';
import { clientSecretOf, type Provider } from '../provider.js';

/** A request to a token or revocation endpoint, ready to send: pure data, built from the provider and the parameters. */
export interface TokenHttpRequest {
	readonly url: string;
	readonly headers: Readonly<Record<string, string>>;
	readonly body: string;
	/** The secret values this request carries, to be cut out of anything the server echoes back. */
	readonly secrets: readonly string[];
	/** The API the token is asked for (RFC 8707 `resource`, or `audience`), which errors name. */
	readonly resource?: string | undefined;
}

/**
 * Parameters whose values are secrets: a server that echoes them into an error must not put them in our messages.
 * `token` is what a revocation request (RFC 7009) carries, `subject_token` and `actor_token` what a token
 * exchange (RFC 8693) does. A client assertion is added as the request leaves, and cut out of the answer there
 * (client-auth/assertion-fetch.ts).
 */
const SECRET_PARAMETERS = [
	'client_secret',
	'password',
	'refresh_token',
	'code',
	'code_verifier',
	'assertion',
	'token',
	'device_code',
	'subject_token',
	'actor_token',
];

/** RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding (Squidex ids contain `:`). */
function basicCredentials(clientId: string, clientSecret: string): string {
	const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
	const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
	return `Basic ${btoa(pair)}`;
}

/**
 * Build a token (or revocation) request: encode the parameters (form or JSON) and authenticate the client
 * (body, Basic or none).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function buildTokenRequest(provider: Provider, url: string, grant: GrantParameters): TokenHttpRequest {
	const params: Record<string, string> = {};
	for (const [name, value] of Object.entries(grant)) if (value !== undefined) params[name] = value;
	const headers: Record<string, string> = { accept: 'application/json' };
	const resource = params[provider.resourceParameter ?? 'resource'];
	const secret = clientSecretOf(provider);
	// Each also as a JSON string holds it: an error may quote a JSON text (our body, or the server's) inside one of its
	// strings, where parsing the answer leaves the quoted text escaped.
	const secrets = [secret, ...SECRET_PARAMETERS.map((name) => params[name])].flatMap((value) =>
		value === undefined ? [] : [value, JSON.stringify(value).slice(1, -1)],
	);
	if (provider.clientAuth === 'basic' && secret !== undefined) {
		headers.authorization = basicCredentials(provider.clientId, secret);
	} else {
		params.client_id = provider.clientId;
		if (provider.clientAuth === 'body' && secret !== undefined) params.client_secret = secret;
	}
	const json = provider.bodyEncoding === 'json';
	headers['content-type'] = json ? 'application/json' : 'application/x-www-form-urlencoded';
	return { url, headers, body: json ? JSON.stringify(params) : new URLSearchParams(params).toString(), secrets, resource };
}
