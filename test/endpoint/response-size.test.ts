import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES } from '../../src/endpoint/bounded-request.js';
import { requestToken } from '../../src/endpoint/request-token.js';
import { revokeTokenSet } from '../../src/endpoint/revocation.js';
import { normalizeTransport } from '../../src/endpoint/transport.js';
import { ErrorCode, NetworkError, TokenResponseError } from '../../src/errors.js';
import { createTokenSet } from '../../src/token-set.js';
import { FAST, GRANT, provider, rejectionOf } from '../_helpers/endpoint.js';
import { collectGarbage, expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';
import { startLoopbackServer, type LoopbackServer } from '../_helpers/streaming-server.js';
import { SECRET } from '../_helpers/token-server.js';

/**
 * The bound on what a token or revocation endpoint can make tokenkeeper read, over a real socket on 127.0.0.1
 * (undici's fetch, its decompression, the server's backpressure): a body over MAX_RESPONSE_BYTES ends the request
 * with ERR_TOKEN_RESPONSE "too large", at once, never retried, without buffering more than the limit.
 */
const MiB = 1024 * 1024;
const HUNDRED_MB = 100 * MiB;
/** The default timeout: "at once" is measured against the bound a stuck request would otherwise reach. */
const TIMEOUT = 10_000;
const transport = () => normalizeTransport({ retry: FAST, timeout: TIMEOUT });

let server: LoopbackServer;
beforeAll(async () => {
	server = await startLoopbackServer();
});
afterAll(() => server.close());
afterEach(() => server.reset());
expectNoLeftoverResourcesAfterEachTest();

const tokenProvider = () => provider('body', { tokenEndpoint: `${server.url}/oauth/token` });

function expectTooLarge(error: unknown, what: string, status = 200): void {
	expect(error).toBeInstanceOf(TokenResponseError);
	const { code, message } = error as TokenResponseError;
	expect(code).toBe(ErrorCode.TokenResponse);
	expect(error).toMatchObject({ status });
	expect(message).toContain(`The ${what} at 127.0.0.1:`);
	expect(message).toContain('too large (more than 1 MiB');
	expect(message).toContain('Check that the URL');
	expect(message).not.toContain('/oauth/');
	expect(message).not.toContain(SECRET);
}

/** Until the server has seen the client hang up (a socket closes a few ticks after the client lets go). */
async function hangUps(count: number, ms = 1_000): Promise<number> {
	const deadline = performance.now() + ms;
	while (server.stats.hangUps < count && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
	return server.stats.hangUps;
}

describe('token endpoint answers over the size limit (1 MiB)', () => {
	it('a 100 MB body streamed as fast as the socket takes it -> ERR_TOKEN_RESPONSE "too large" after 1 request, at once, heap bounded', async () => {
		server.answer(async (response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			await server.stream(response, HUNDRED_MB);
		});
		await collectGarbage();
		const before = process.memoryUsage();
		const { error, ms } = await rejectionOf(requestToken(tokenProvider(), GRANT, transport()));
		// Read before any collection: what the request allocated and still held, garbage included.
		const after = process.memoryUsage();
		await collectGarbage();
		const retained = process.memoryUsage();
		const growth = (now: NodeJS.MemoryUsage) => now.heapUsed + now.arrayBuffers - (before.heapUsed + before.arrayBuffers);

		console.log(
			[
				`100 MB token endpoint: ${(error as TokenResponseError).code} in ${ms.toFixed(0)} ms (timeout ${TIMEOUT} ms),`,
				`${server.stats.requests} request(s), server wrote ${(server.stats.bytesWritten / MiB).toFixed(1)} MiB before the hang-up;`,
				`heap+arrayBuffers growth ${(growth(after) / MiB).toFixed(1)} MiB (heapUsed ${((after.heapUsed - before.heapUsed) / MiB).toFixed(1)} MiB),`,
				`${(growth(retained) / MiB).toFixed(1)} MiB after GC`,
				`\nmessage: ${(error as Error).message}`,
			].join(' '),
		);
		expectTooLarge(error, 'token endpoint');
		expect(server.stats.requests).toBe(1);
		expect(ms).toBeLessThan(2_000);
		expect(growth(after)).toBeLessThan(20 * MiB);
		expect(await hangUps(1)).toBe(1);
		// Backpressure holds the server to what the client took, plus socket buffers: nowhere near 100 MB.
		expect(server.stats.bytesWritten).toBeLessThan(20 * MiB);
	});

	it('a 100 MB body too slow to finish within the timeout -> "too large" at 1 MiB, not ERR_TIMEOUT after every attempt', async () => {
		// About 40 MB/s: the whole body would take longer than a 1 s timeout, which was the error before, three times over.
		server.answer(async (response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			await server.stream(response, HUNDRED_MB, { pauseMs: 1 });
		});
		const { error, ms } = await rejectionOf(requestToken(tokenProvider(), GRANT, normalizeTransport({ retry: FAST, timeout: 1_000 })));
		expectTooLarge(error, 'token endpoint');
		expect(ms).toBeLessThan(900);
		expect(server.stats.requests).toBe(1);
	});

	it('content-length: 104857600 -> refused before reading: at once, though the server never sends a byte of the body', async () => {
		server.answer((response) => {
			response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HUNDRED_MB) });
			response.flushHeaders();
		});
		const { error, ms } = await rejectionOf(requestToken(tokenProvider(), GRANT, transport()));
		expectTooLarge(error, 'token endpoint');
		expect(ms).toBeLessThan(1_000);
		expect(server.stats.requests).toBe(1);
		expect(await hangUps(1)).toBe(1);
	});

	it('a gzip bomb (100 MB of zeros in about 100 KB) -> too large: the decoded bytes are what count', async () => {
		const bomb = gzipSync(new Uint8Array(HUNDRED_MB), { level: 9 });
		expect(bomb.byteLength).toBeLessThan(MAX_RESPONSE_BYTES);
		server.answer((response) => {
			response.writeHead(200, {
				'content-type': 'application/json',
				'content-encoding': 'gzip',
				'content-length': String(bomb.byteLength),
			});
			response.end(bomb);
		});
		const { error, ms } = await rejectionOf(requestToken(tokenProvider(), GRANT, transport()));
		expectTooLarge(error, 'token endpoint');
		expect(ms).toBeLessThan(2_000);
		expect(server.stats.requests).toBe(1);
	});

	it('a 503 with a 100 MB body -> too large, not retried (a server that sent it once will again)', async () => {
		server.answer(async (response) => {
			response.writeHead(503, { 'content-type': 'text/html' });
			await server.stream(response, HUNDRED_MB);
		});
		const { error } = await rejectionOf(requestToken(tokenProvider(), GRANT, transport()));
		expectTooLarge(error, 'token endpoint', 503);
		expect(server.stats.requests).toBe(1);
	});

	it('a token response of exactly 1 MiB (a huge id_token, in 1000-byte chunks) -> accepted; one byte more -> too large', async () => {
		const envelope = (idToken: string) =>
			JSON.stringify({ access_token: 'AT-big', token_type: 'Bearer', expires_in: 60, id_token: idToken });
		const room = MAX_RESPONSE_BYTES - envelope('').length;
		const idToken = 'é'.repeat(Math.floor(room / 2)) + 'a'.repeat(room % 2);
		const exact = new TextEncoder().encode(envelope(idToken));
		expect(exact.byteLength).toBe(MAX_RESPONSE_BYTES);
		let body = exact;
		server.answer(async (response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			for (let start = 0; start < body.byteLength; start += 1000) response.write(body.subarray(start, start + 1000));
			response.end();
		});
		const tokenSet = await requestToken(tokenProvider(), GRANT, transport());
		expect(tokenSet.accessToken).toBe('AT-big');
		expect(tokenSet.idToken === idToken).toBe(true);

		body = new TextEncoder().encode(`${envelope(idToken)} `);
		expectTooLarge((await rejectionOf(requestToken(tokenProvider(), GRANT, transport()))).error, 'token endpoint');
		expect(server.stats.requests).toBe(2);
	});

	it('a slow body below the limit still ends in ERR_TIMEOUT, each attempt timed out, as before', async () => {
		server.answer(async (response) => {
			response.writeHead(200, { 'content-type': 'application/json' });
			await server.stream(response, 64 * 1024, { chunk: new TextEncoder().encode('          '), pauseMs: 20 });
		});
		const slow = normalizeTransport({ retry: FAST, timeout: 100 });
		const { error, ms } = await rejectionOf(requestToken(tokenProvider(), GRANT, slow));
		expect(error).toBeInstanceOf(NetworkError);
		expect(error).toMatchObject({ code: ErrorCode.Timeout, attempts: 3 });
		expect(server.stats.requests).toBe(3);
		expect(ms).toBeGreaterThanOrEqual(290);
		expect(ms).toBeLessThan(2_000);
	});
});

describe('revocation endpoint answers over the size limit', () => {
	it('a 200 with 100 MB -> one ERR_TOKEN_RESPONSE "too large" per token (revoked or not, nobody can tell), 1 request each', async () => {
		server.answer(async (response) => {
			response.writeHead(200, { 'content-type': 'text/plain' });
			await server.stream(response, HUNDRED_MB);
		});
		const revoking = provider('body', { tokenEndpoint: `${server.url}/oauth/token`, revocationEndpoint: `${server.url}/oauth/revoke` });
		const tokenSet = createTokenSet({ accessToken: 'AT-1', tokenType: 'Bearer', refreshToken: 'RT-1', receivedAt: 0 }, 0);
		const start = performance.now();
		const errors = await revokeTokenSet(revoking, tokenSet, transport());
		expect(performance.now() - start).toBeLessThan(2_000);
		expect(errors).toHaveLength(2);
		for (const error of errors) expectTooLarge(error, 'revocation endpoint');
		expect(server.stats.requests).toBe(2);
	});
});
