import type { ClientCredentials } from './options.js';

/** What a token request says about its client: credentials, nothing, or a header we could not decode. */
export type PresentedClient = ClientCredentials | 'malformed' | undefined;

/**
 * Reads client credentials from HTTP Basic (preferred, as IdentityServer's parsers try it first)
 * or from `client_id` / `client_secret` in the form body.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function readClientAuthentication(request: Request, form: URLSearchParams): PresentedClient {
	const header = request.headers.get('authorization');
	if (header !== null && /^basic\s/i.test(header)) return parseBasic(header.slice(6).trim());
	const clientId = form.get('client_id');
	if (clientId === null) return undefined;
	return { clientId, clientSecret: form.get('client_secret') ?? '' };
}

function parseBasic(encoded: string): PresentedClient {
	try {
		const decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0)));
		// The id was form-encoded before joining, so the first raw colon is the separator.
		const separator = decoded.indexOf(':');
		if (separator < 0) return 'malformed';
		return { clientId: formDecode(decoded.slice(0, separator)), clientSecret: formDecode(decoded.slice(separator + 1)) };
	} catch {
		return 'malformed';
	}
}

/** application/x-www-form-urlencoded decoding: `+` is a space, then percent-decoding. Throws on bad escapes. */
function formDecode(value: string): string {
	return decodeURIComponent(value.replace(/\+/g, ' '));
}
