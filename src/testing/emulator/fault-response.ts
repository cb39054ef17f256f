import type { Fault } from './faults.js';
import type { HangingRequests } from './hangs.js';
import { json, NO_STORE } from './responses.js';

// Null-body statuses: the Fetch API refuses a body on these.
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * The answer that plays a fault. A `reset` is `Response.error()`, which the node server turns into
 * a destroyed socket and msw into a network error; a `hang` is a promise that settles only when the
 * client aborts or the emulator closes.
 */
export function faultResponse(fault: Fault, signal: AbortSignal, hangs: HangingRequests): Promise<Response> {
	switch (fault.kind) {
		case 'status':
			return Promise.resolve(statusResponse(fault));
		case 'html': {
			const status = fault.status ?? 200;
			return Promise.resolve(new Response(htmlPage(status), { status, headers: { 'content-type': 'text/html; charset=utf-8' } }));
		}
		case 'invalid-json':
			// What a proxy that cut the body short looks like.
			return Promise.resolve(new Response('{"access_token":"', { status: 200, headers: { 'content-type': 'application/json' } }));
		case 'token-response':
			return Promise.resolve(json(fault.body, 200, NO_STORE));
		case 'hang':
			return hangs.wait(signal);
		case 'reset':
			return Promise.resolve(Response.error());
		case 'redirect':
			return Promise.resolve(new Response(null, { status: fault.status ?? 302, headers: { location: fault.location } }));
	}
}

function statusResponse(fault: Extract<Fault, { kind: 'status' }>): Response {
	const headers: Record<string, string> = {};
	if (fault.retryAfter !== undefined) headers['retry-after'] = String(Math.ceil(fault.retryAfter));
	const body = NULL_BODY_STATUSES.has(fault.status) ? null : (fault.body ?? null);
	if (body !== null) headers['content-type'] = fault.contentType ?? 'text/plain; charset=utf-8';
	return new Response(body, { status: fault.status, headers });
}

function htmlPage(status: number): string {
	const title = status === 200 ? 'Service notice' : `${status} Error`;
	return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><hr><p>nginx</p></body></html>\n`;
}
