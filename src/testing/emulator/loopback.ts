// Native apps and local dev servers listen on a random port of the loopback interface, so the
// emulator's defaults accept any of them (redirect URIs and CORS origins alike).

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether `url` is an `http:` URL on the loopback interface (any port), as RFC 8252 allows for
 * native-app redirects. `localhost` is accepted too, because dev servers print it.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function isLoopbackUrl(url: URL): boolean {
	return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Whether a serialized origin (`http://127.0.0.1:5173`) is on the loopback interface. */
export function isLoopbackOrigin(origin: string): boolean {
	const url = parseUrl(origin);
	return (
		url !== undefined && url.origin === origin && (isLoopbackUrl(url) || (url.protocol === 'https:' && LOOPBACK_HOSTS.has(url.hostname)))
	);
}

/**
 * Whether a redirect URI sent at the authorization endpoint matches a registered one: an exact
 * string match, except that a loopback URI may use any port.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2.3
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function redirectUriMatches(registered: string, given: string): boolean {
	if (registered === given) return true;
	const expected = parseUrl(registered);
	const actual = parseUrl(given);
	if (!expected || !actual || !isLoopbackUrl(expected) || !isLoopbackUrl(actual)) return false;
	// Compare everything but the port, on the parsed form, so `:80` and no port are not confused.
	expected.port = '';
	actual.port = '';
	return expected.href === actual.href;
}

/** `new URL()` without the throw. */
export function parseUrl(value: string): URL | undefined {
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}
