import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a {@link LoopbackServer} has seen and done since it started (or since `reset()`). */
export interface LoopbackStats {
	requests: number;
	/** Body bytes handed to the socket: with backpressure honoured, at most a socket buffer ahead of what the client took. */
	bytesWritten: number;
	/** Answers the client hung up on before their end. */
	hangUps: number;
}

/** Answers one request; resolves when it is done writing (or the client is gone). */
export type Answer = (response: ServerResponse, request: IncomingMessage) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 for bodies msw cannot play: a socket, its backpressure, its hang-ups. */
export interface LoopbackServer {
	readonly url: string;
	readonly stats: LoopbackStats;
	/** Answer every request from now on with `answer`. */
	answer(answer: Answer): void;
	/**
	 * Write `total` body bytes (after the headers), honouring backpressure, and end the response; stops as soon as the
	 * client hangs up. Counted in `stats.bytesWritten`.
	 */
	stream(response: ServerResponse, total: number, options?: StreamOptions): Promise<void>;
	reset(): void;
	/** Stops the server and drops every connection. */
	close(): Promise<void>;
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
	const stats: LoopbackStats = { requests: 0, bytesWritten: 0, hangUps: 0 };
	let current: Answer = (response) => {
		response.writeHead(404).end();
	};
	const server = createServer((request, response) => {
		stats.requests += 1;
		response.once('close', () => {
			if (!response.writableFinished) stats.hangUps += 1;
		});
		// The request body is drained first, as a real endpoint does, so the client is never stuck sending it.
		request.resume();
		request.once('end', () => void current(response, request));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		stats,
		answer(answer) {
			current = answer;
		},
		async stream(response, total, options = {}) {
			const chunk = options.chunk ?? A_64_KIB;
			let closed = false;
			response.once('close', () => {
				closed = true;
			});
			let written = 0;
			while (written < total) {
				if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
				if (closed) return;
				const piece = total - written >= chunk.byteLength ? chunk : chunk.subarray(0, total - written);
				written += piece.byteLength;
				stats.bytesWritten += piece.byteLength;
				if (!response.write(piece)) await drainedOrClosed(response);
			}
			if (!closed) response.end();
		},
		reset() {
			Object.assign(stats, { requests: 0, bytesWritten: 0, hangUps: 0 });
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** How {@link LoopbackServer.stream} sends. */
export interface StreamOptions {
	/** Each chunk; default 64 KiB of `a`. The same buffer is sent again and again: the server allocates nothing. */
	readonly chunk?: Uint8Array;
	/** A pause before each chunk, in ms: a slow body. Default none: as fast as the socket takes it. */
	readonly pauseMs?: number;
}

const A_64_KIB = new Uint8Array(64 * 1024).fill(0x61);

function drainedOrClosed(response: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			response.off('drain', done);
			response.off('close', done);
			resolve();
		};
		response.once('drain', done);
		response.once('close', done);
	});
}
