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

/**
 * The page to go back to, if any: a same-origin path only (it came from storage another script could have written).
 * It stays for a later callback of the same login (see {@link takeReturnTo}); the next login replaces it.
 */
export function readReturnTo(): string | undefined {
	try {
		const path = sessionStorage.getItem(RETURN_TO);
		return path?.startsWith('/') && !path.startsWith('//') ? path : undefined;
	} catch {
		return undefined;
	}
}

/** The page to go back to, once: {@link readReturnTo}, then forgotten (the login is done). */
export function takeReturnTo(): string | undefined {
	const path = readReturnTo();
	try {
		sessionStorage.removeItem(RETURN_TO);
	} catch {
		// No storage: nothing was kept.
	}
	return path;
}
