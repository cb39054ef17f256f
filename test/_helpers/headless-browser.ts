/** At most this many redirects in one login: oidc-provider's login + consent take five. */
const MAX_HOPS = 10;

/**
 * What a browser does with an authorization URL, without one: follows the server's redirects (login, consent,
 * resume…) with its cookies, and stops at the first redirect to `redirectUri`, which it returns unvisited (the
 * callback URL an app hands to `flow.handleCallback`). Bounded: at most {@link MAX_HOPS} redirects, 5 s each.
 */
export async function followToRedirectUri(authorizationUrl: string, redirectUri: string): Promise<URL> {
	const jar = new Map<string, string>();
	const target = new URL(redirectUri);
	let url = new URL(authorizationUrl);
	for (let hop = 0; hop <= MAX_HOPS; hop++) {
		if (url.origin === target.origin && url.pathname === target.pathname) return url;
		const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
		const response = await fetch(url, {
			redirect: 'manual',
			headers: cookie ? { cookie } : {},
			signal: AbortSignal.timeout(5_000),
		});
		keepCookies(jar, response.headers.getSetCookie());
		const location = response.headers.get('location');
		if (response.status < 300 || response.status > 399 || !location) {
			const body = (await response.text()).slice(0, 300);
			throw new Error(`The login stopped at ${url.pathname} with ${response.status} instead of a redirect: ${body}`);
		}
		await response.body?.cancel();
		url = new URL(location, url);
	}
	throw new Error(`The login took more than ${MAX_HOPS} redirects without reaching ${redirectUri}.`);
}

/**
 * One jar for the server's one origin: every cookie goes back on every request (oidc-provider scopes its interaction
 * cookies by path; sending them elsewhere is harmless), a cleared or expired one is dropped.
 */
function keepCookies(jar: Map<string, string>, setCookies: readonly string[]): void {
	for (const line of setCookies) {
		const [pair = '', ...attributes] = line.split(';');
		const separator = pair.indexOf('=');
		const name = pair.slice(0, separator).trim();
		const value = pair.slice(separator + 1).trim();
		const expired = attributes.some((attribute) => {
			const [key = '', setting = ''] = attribute.split('=').map((part) => part.trim());
			if (/^max-age$/i.test(key)) return Number(setting) <= 0;
			if (/^expires$/i.test(key)) return Date.parse(setting) <= Date.now();
			return false;
		});
		if (expired || value === '') jar.delete(name);
		else jar.set(name, value);
	}
}
