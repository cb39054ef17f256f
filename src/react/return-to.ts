/** Where the page the login started from is kept across the provider's round trip: this tab's sessionStorage. */
const RETURN_TO = 'tokenkeeper:return-to';

/** Remember this page (path, query, fragment), for {@link takeReturnTo} at the callback. */
export function rememberReturnTo(): void {
	try {
		sessionStorage.setItem(RETURN_TO, location.href.slice(location.origin.length));
	} catch {
		// No storage (a privacy mode): the callback then stays on its own path.
	}
}

/** The page to go back to, once: a same-origin path only (it came from storage another script could have written). */
export function takeReturnTo(): string | undefined {
	try {
		const path = sessionStorage.getItem(RETURN_TO);
		sessionStorage.removeItem(RETURN_TO);
		return path?.startsWith('/') && !path.startsWith('//') ? path : undefined;
	} catch {
		return undefined;
	}
}
