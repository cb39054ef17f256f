import { DpopError, RequestNotReplayableError } from '../errors.js';
import type { DpopOutgoingRequest } from './types.js';

/** The most redirects one request follows: fetch's own limit. */
const MAX_REDIRECTS = 20;

/** What fetch drops from a request that a redirect takes to another origin (undici's list), and the proof. */
const CREDENTIAL_HEADERS = ['authorization', 'dpop', 'proxy-authorization', 'cookie', 'host'];

/** What describes a body, dropped with it (Fetch: the request-body-header names). */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];

/**
 * Send one hop of a request: on the request's origin (`own`), with the token and a proof for `method` and `url`;
 * elsewhere, as it is.
 */
export type SendHop = (request: Request, url: string, method: string, own: boolean) => Promise<Response>;

/**
 * Send a request and follow its redirects hop by hop, as fetch would (Fetch 4.4, HTTP-redirect fetch): a proof
 * names one URL, so fetch, which sends the same headers on, cannot follow them for DPoP. 303 (unless the request is
 * a GET or HEAD), and 301 or 302 to a POST, make the next hop a GET without body; the others keep method and body,
 * and a stream body, which cannot be sent twice, fails the request. Once a hop leaves the request's origin, it and every
 * hop after it go without credentials (rule 7), whatever origin they reach, and their answer is not `own`. An answer
 * that is no redirect to follow (no Location, or not http(s)) is returned, `redirected` as fetch's would be; the
 * caller's own `redirect: 'manual'` or `'error'` is left to fetch. At most 20 redirects.
 * @see https://fetch.spec.whatwg.org/#http-redirect-fetch
 */
export async function followRedirects(
	outgoing: DpopOutgoingRequest,
	sendHop: SendHop,
): Promise<{ readonly response: Response; readonly own: boolean }> {
	const first = outgoing.clone();
	const follow = first.redirect === 'follow';
	const host = new URL(outgoing.url).host;
	let { url, method } = outgoing;
	let body = true;
	let own = true;
	let request = follow ? new Request(first, { redirect: 'manual' }) : first;
	for (let redirects = 0; ; redirects += 1) {
		const response = await sendHop(request, url, method, own);
		if (!follow) return { response, own };
		if (response.type === 'opaqueredirect') {
			// A browser's answer to `redirect: 'manual'`: the Location is not readable, so no proof can be made for it.
			throw new DpopError(`The API at ${host} redirected, which a browser hides from DPoP: call the URL it redirects to.`);
		}
		const { status } = response;
		const location = response.headers.get('location');
		const next = location !== null && [301, 302, 303, 307, 308].includes(status) ? new URL(location, url) : undefined;
		if (!next || !/^https?:$/.test(next.protocol)) {
			if (redirects > 0) Object.defineProperty(response, 'redirected', { value: true });
			return { response, own };
		}
		await response.body?.cancel().catch(() => undefined);
		if (redirects === MAX_REDIRECTS) throw new DpopError(`The API at ${host} redirected more than 20 times: check the URL.`);
		if (status === 303 ? !/^(GET|HEAD)$/.test(method) : status < 303 && method === 'POST') {
			method = 'GET';
			body = false;
		}
		if (body && !outgoing.replayable) {
			throw new RequestNotReplayableError(
				`The API at ${host} redirected (${status}) a request whose body is a stream, which cannot be sent again: send it to the URL it redirects to.`,
				{ status, response },
			);
		}
		own &&= next.origin === new URL(url).origin;
		url = next.href;
		const headers = new Headers(first.headers);
		for (const name of [...(own ? [] : CREDENTIAL_HEADERS), ...(body ? [] : BODY_HEADERS)]) headers.delete(name);
		const source = body ? outgoing.clone() : undefined;
		// From memory, as fetch re-sends a body on a redirect: with its length, not as a stream.
		const bytes = source?.body ? await source.arrayBuffer() : null;
		request = new Request(url, { method, headers, body: bytes, signal: first.signal, redirect: 'manual' });
	}
}
