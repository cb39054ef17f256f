import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulatorCore, type EmulatorControls, type EmulatorCore } from './core.js';
import type { EmulatorOptions } from './options.js';

/** A running emulator on a loopback HTTP server. */
export interface Emulator extends EmulatorControls {
	/** Stops the server and drops every connection, hanging requests included; resolves once closed. */
	close(): Promise<void>;
}

/** Where the server listens, on top of the emulator options. */
export interface CreateEmulatorOptions extends EmulatorOptions {
	/** Default 0: a free port chosen by the OS. */
	port?: number;
	/** Default `127.0.0.1`. */
	host?: string;
}

// Hop-by-hop and framing headers describe the Node connection, not the request.
const SKIPPED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/**
 * Starts the provider emulator on a real HTTP server, for end-to-end tests, examples and the CLI.
 * @example
 * const emulator = await createEmulator();
 * const { url, clientId, clientSecret } = emulator.credentials.squidex;
 * // ... point the SDK at url ...
 * await emulator.close();
 */
export async function createEmulator(options: CreateEmulatorOptions = {}): Promise<Emulator> {
	const { port = 0, host = '127.0.0.1', ...emulatorOptions } = options;
	let core: EmulatorCore | undefined;
	let baseUrl = '';
	const server = createServer((req, res) => {
		if (core) void serve(core, baseUrl, req, res);
		else res.destroy();
	});
	await listen(server, port, host);

	const { port: actualPort } = server.address() as AddressInfo;
	baseUrl = `http://${urlHost(host)}:${actualPort}`;
	try {
		core = createEmulatorCore(emulatorOptions, baseUrl);
	} catch (error) {
		server.close();
		throw error;
	}

	const started = core;
	let closing: Promise<void> | undefined;
	const close = (): Promise<void> => {
		closing ??= new Promise<void>((resolve) => {
			started.close();
			server.close(() => resolve());
			// Keep-alive and hanging sockets would otherwise hold close() (and the process) open.
			server.closeAllConnections();
		});
		return closing;
	};
	return Object.freeze({ ...started.controls, close });
}

function listen(server: Server, port: number, host: string): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
}

/** The host as it appears in a URL; a wildcard bind is still reached through loopback. */
function urlHost(host: string): string {
	if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
	return host.includes(':') ? `[${host}]` : host;
}

async function serve(core: EmulatorCore, baseUrl: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
	const controller = new AbortController();
	// The client went away (or close() dropped it): lets a hanging request settle.
	res.once('close', () => controller.abort());
	try {
		const request = toRequest(req, await readBody(req), baseUrl, controller.signal);
		const response = await core.handle(request);
		await writeResponse(response, res);
	} catch {
		if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
		else res.destroy();
	}
}

// Inferred, not annotated: a fresh copy is typed as backed by an ArrayBuffer, which Request accepts.
async function readBody(req: IncomingMessage) {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return new Uint8Array(Buffer.concat(chunks));
}

function toRequest(req: IncomingMessage, body: Awaited<ReturnType<typeof readBody>>, baseUrl: string, signal: AbortSignal): Request {
	const headers = new Headers();
	for (let index = 0; index < req.rawHeaders.length; index += 2) {
		const name = req.rawHeaders[index]!;
		if (!SKIPPED_HEADERS.has(name.toLowerCase())) headers.append(name, req.rawHeaders[index + 1]!);
	}
	const method = req.method ?? 'GET';
	const hasBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
	return new Request(new URL(req.url ?? '/', baseUrl), { method, headers, body: hasBody ? body : null, signal });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
	// Response.error() is the emulator's way of saying "drop the connection".
	if (response.type === 'error') {
		res.destroy();
		return;
	}
	const body = new Uint8Array(await response.arrayBuffer());
	if (res.destroyed) return;
	for (const [name, value] of response.headers) res.setHeader(name, value);
	res.writeHead(response.status);
	res.end(body);
}
