import { isLoopbackUrl, parseUrl, redirectUriMatches } from '../emulator/loopback.js';

/**
 * Whether `redirectUri` is one of `registered` (a loopback one on any port), or any loopback URI when none is
 * registered: the check of a redirect URI at the authorization endpoint and of a post-logout one at end session.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function acceptsRedirectUri(registered: readonly string[] | undefined, redirectUri: string): boolean {
	const url = parseUrl(redirectUri);
	// RFC 6749 3.1.2: absolute, no fragment; credentials in a redirect URI are never legitimate.
	if (!url || redirectUri.includes('#') || url.username !== '' || url.password !== '') return false;
	if (registered === undefined) return isLoopbackUrl(url);
	return registered.some((uri) => redirectUriMatches(uri, redirectUri));
}

/** A 302 to `redirectUri` with `fields` added to its query; undefined fields are left out. */
export function redirect(redirectUri: string, fields: Record<string, string | undefined>): Response {
	const location = new URL(redirectUri);
	const added = new URLSearchParams();
	for (const [name, value] of Object.entries(fields)) if (value !== undefined) added.append(name, value);
	// RFC 6749 3.1.2: the URI's own query is kept as sent, byte for byte, and ours appended.
	if (added.size > 0) location.search = location.search === '' ? added.toString() : `${location.search.slice(1)}&${added.toString()}`;
	// The code travels in the Location: no cache may keep it.
	return new Response(null, { status: 302, headers: { location: location.href, 'cache-control': 'no-store' } });
}
