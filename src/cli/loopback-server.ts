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

/** A one-shot HTTP server on 127.0.0.1 that receives the authorization response. */
export interface LoopbackServer {
	/** `http://127.0.0.1:{port}/callback` */
	readonly redirectUri: string;
	/** The first request to the callback path, or a CliError after `waitMs`. */
	callback(waitMs: number): Promise<ReceivedCallback>;
	close(): Promise<void>;
}

const CALLBACK_PATH = '/callback';

/**
 * Listen on the IPv4 loopback address, as RFC 8252 recommends over `localhost` (which may resolve
 * elsewhere, or to IPv6 where nothing listens). Port 0 lets the OS choose.
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export async function startLoopbackServer(port: number): Promise<LoopbackServer> {
	let received: ((callback: ReceivedCallback) => void) | undefined;
	let taken = false;
	const host = () => `127.0.0.1:${(server.address() as AddressInfo).port}`;

	const server = createServer((request: IncomingMessage, response: ServerResponse) => {
		// A page from another site that guesses the port still cannot pass for the browser's redirect:
		// DNS rebinding would need another Host header.
		if (request.headers.host !== host()) return page(response, 400, 'Wrong host.');
		const url = new URL(request.url ?? '/', `http://${host()}`);
		if (request.method !== 'GET' || url.pathname !== CALLBACK_PATH) return page(response, 404, 'Not found.');
		if (taken || !received) return page(response, 409, 'This login was already handled: return to the terminal.');
		taken = true;
		received({
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
		callback(waitMs) {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					received = undefined;
					reject(
						new CliError(
							`No login within ${Math.round(waitMs / 1000)} s: start again (and raise --wait if you need longer)`,
							ExitCode.Refused,
						),
					);
				}, waitMs);
				received = (callback) => {
					clearTimeout(timer);
					resolve(callback);
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
