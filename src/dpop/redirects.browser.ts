import { DpopError } from '../errors.js';
import type { SendHop } from './redirects.js';
import type { DpopOutgoingRequest } from './types.js';

/**
 * The browser build's {@link followRedirects}: one send with `redirect: 'manual'`, never a second hop. A browser
 * answers a redirect with an opaque response whose Location no script can read, so no proof can be made for where it
 * leads: the request fails with `ERR_DPOP` rather than let fetch send the proof on. A runtime that shows the redirect
 * (a worker using this build) gets it back as it came, unfollowed. Following hop by hop is left to the other builds,
 * where it can work, so browser bundles do not carry it.
 */
export async function followRedirects(
	outgoing: DpopOutgoingRequest,
	sendHop: SendHop,
): Promise<{ readonly response: Response; readonly own: boolean }> {
	const request = outgoing.clone();
	const manual = request.redirect === 'follow' ? new Request(request, { redirect: 'manual' }) : request;
	const response = await sendHop(manual, outgoing.url, outgoing.method, true);
	if (response.type === 'opaqueredirect') {
		throw new DpopError(
			`The API at ${new URL(outgoing.url).host} redirected, which a browser hides from DPoP: call the URL it redirects to.`,
		);
	}
	return { response, own: true };
}
