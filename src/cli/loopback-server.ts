import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** The redirect back from the provider, held open until the login's outcome is known. */
export interface ReceivedCallback {
	/** The full callback URL, as the browser requested it. */
	readonly url: URL;
	/** Answers the browser with a short page saying whether the login worked. */
	respond(outcome: { ok: boolean; message: string }): void;
}

/** What {@link LoopbackServer.callback} waits for. */
export interface ExpectedCallback {
	/** The `state` of the authorization request: a redirect with any other (or none) is not this login's. */
	readonly state: string;
	/** How long to wait, in ms. */
	readonly waitMs: number;
}

/** A one-shot HTTP server on 127.0.0.1 that receives the authorization response. */
export interface LoopbackServer {
	/** `http://127.0.0.1:{port}/callback` */
	readonly redirectUri: string;
	/**
	 * The first request to the callback path that carries `state`, or a CliError after `waitMs`. Any other is answered
	 * with an error page and forgotten, and the wait goes on: another local process or a web page that finds the port
	 * cannot spoil the login.
	 */
	callback(expected: ExpectedCallback): Promise<ReceivedCallback>;
	close(): Promise<void>;
}

const CALLBACK_PATH = '/callback';

/**
 * What a request to the callback path with another state (or none) gets. Nothing of the request is echoed: its
 * parameters are the sender's to choose.
 */
const NOT_THIS_LOGIN =
	'This is not the login the terminal is waiting for (another state): it was ignored. Log in from the URL the terminal printed.';

/** Whether the callback carries `state`, compared in constant time: the state is what a forged callback must guess. */
function carriesState(url: URL, state: string): boolean {
	const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
	const given = url.searchParams.get('state');
	return given !== null && timingSafeEqual(digest(given), digest(state));
}

/**
 * Listen on the IPv4 loopback address, as RFC 8252 recommends over `localhost` (which may resolve
 * elsewhere, or to IPv6 where nothing listens). Port 0 lets the OS choose.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export async function startLoopbackServer(port: number): Promise<LoopbackServer> {
	let waiting: { readonly state: string; readonly receive: (callback: ReceivedCallback) => void } | undefined;
	// Only counted, for the message if the wait runs out: nothing of a refused request is kept.
	let ignored = 0;
	const host = () => `127.0.0.1:${(server.address() as AddressInfo).port}`;

	const server = createServer((request: IncomingMessage, response: ServerResponse) => {
		// A page from another site that guesses the port still cannot pass for the browser's redirect:
		// DNS rebinding would need another Host header.
		if (request.headers.host !== host()) return page(response, 400, 'Wrong host.');
		const url = new URL(request.url ?? '/', `http://${host()}`);
		if (request.method !== 'GET' || url.pathname !== CALLBACK_PATH) return page(response, 404, 'Not found.');
		if (!waiting) return page(response, 409, 'No login is waiting here (it was handled, or it timed out): return to the terminal.');
		if (!carriesState(url, waiting.state)) {
			ignored += 1;
			return page(response, 400, NOT_THIS_LOGIN);
		}
		const { receive } = waiting;
		waiting = undefined;
		receive({
			url,
			respond: ({ ok, message }) => page(response, ok ? 200 : 400, message),
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', (error) =>
			reject(
				new CliError(
					`Could not listen on 127.0.0.1:${port} for the login callback (${(error as { code?: string }).code ?? error.message})`,
					ExitCode.Network,
					{ cause: error },
				),
			),
		);
		server.listen(port, '127.0.0.1', () => resolve());
	});

	let closing: Promise<void> | undefined;
	return {
		redirectUri: `http://${host()}${CALLBACK_PATH}`,
		callback({ state, waitMs }) {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					waiting = undefined;
					const others = ignored === 0 ? '' : ` (${ignored} request(s) to the callback with another state were ignored)`;
					reject(
						new CliError(
							`No login within ${Math.round(waitMs / 1000)} s${others}: start again (and raise --wait if you need longer)`,
							ExitCode.Refused,
						),
					);
				}, waitMs);
				waiting = {
					state,
					receive: (callback) => {
						clearTimeout(timer);
						resolve(callback);
					},
				};
			});
		},
		close() {
			closing ??= new Promise((resolve) => {
				server.close(() => resolve());
				// After the last page has been sent; keep-alive would otherwise hold the process open.
				server.closeIdleConnections();
				setTimeout(() => server.closeAllConnections(), 1000).unref();
			});
			return closing;
		},
	};
}

function page(response: ServerResponse, status: number, message: string): void {
	const body = `<!doctype html><meta charset="utf-8"><title>tokenkeeper</title><p>${escapeHtml(message)}</p>\n`;
	response.writeHead(status, {
		'content-type': 'text/html; charset=utf-8',
		'cache-control': 'no-store',
		'referrer-policy': 'no-referrer',
		connection: 'close',
	});
	response.end(body);
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
