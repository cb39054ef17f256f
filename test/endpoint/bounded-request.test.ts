import { describe, expect, it } from 'vitest';
import { boundedRequest, MAX_RESPONSE_BYTES, type BoundedOutcome } from '../../src/endpoint/bounded-request.js';
import { normalizeTransport } from '../../src/endpoint/transport.js';
import { abortListeners, expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';

/**
 * The one place that reads an endpoint's body, with `fetch` injected: each case hands it a body and watches what it
 * takes of it. Over real sockets, see response-size.test.ts.
 */
const URL_ = 'https://auth.test/oauth/token';

/** A body played chunk by chunk, on demand only (high-water mark 0), recording how much was asked for. */
function playedBody(chunks: readonly Uint8Array[], options: { pauseMs?: number } = {}) {
	const state = { pulls: 0, cancelled: false };
	let index = 0;
	const stream = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				state.pulls += 1;
				if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
				const chunk = chunks[index++];
				if (chunk) controller.enqueue(chunk);
				else controller.close();
			},
			cancel() {
				state.cancelled = true;
			},
		},
		{ highWaterMark: 0 },
	);
	return { stream, state };
}

/** `bytes` split into chunks of `size`: a multi-byte character can fall across two of them. */
function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
	const chunks: Uint8Array[] = [];
	for (let start = 0; start < bytes.byteLength; start += size) chunks.push(bytes.subarray(start, start + size));
	return chunks;
}

/** Text of exactly `bytes` UTF-8 bytes, with two- and three-byte characters all through it. */
function textOfBytes(bytes: number): string {
	const unit = 'é€a'; // 2 + 3 + 1 bytes
	const text = unit.repeat(Math.floor(bytes / 6)) + 'a'.repeat(bytes % 6);
	expect(new TextEncoder().encode(text).byteLength).toBe(bytes);
	return text;
}

function request(body: BodyInit | null, init: ResponseInit = {}, options: { timeout?: number; signal?: AbortSignal } = {}) {
	const transport = normalizeTransport({ fetch: async () => new Response(body, init), timeout: options.timeout ?? 1_000 });
	return boundedRequest(URL_, { method: 'POST' }, transport, options.signal);
}

function bodyTextOf(outcome: BoundedOutcome): string {
	expect(outcome.kind).toBe('response');
	return outcome.kind === 'response' ? outcome.bodyText : '';
}

expectNoLeftoverResourcesAfterEachTest();

describe('boundedRequest: the body, read up to MAX_RESPONSE_BYTES', () => {
	it('the limit is 1 MiB: far above any real token or discovery answer (a few KB; 50 KB for the largest)', () => {
		expect(MAX_RESPONSE_BYTES).toBe(1024 * 1024);
	});

	it('a body of exactly the limit, in 1000-byte chunks splitting multi-byte characters -> read whole, decoded as UTF-8', async () => {
		const text = textOfBytes(MAX_RESPONSE_BYTES);
		const { stream, state } = playedBody(chunked(new TextEncoder().encode(text), 1000));
		const outcome = await request(stream);
		expect(bodyTextOf(outcome) === text).toBe(true);
		expect(state.cancelled).toBe(false);
	});

	it('one byte over the limit -> too-large, and the stream is cancelled: nothing asked for past the limit', async () => {
		const chunks = chunked(new Uint8Array(MAX_RESPONSE_BYTES + 1).fill(0x61), 64 * 1024);
		const { stream, state } = playedBody(chunks);
		const outcome = await request(stream);
		expect(outcome.kind).toBe('too-large');
		expect(state.pulls).toBe(chunks.length);
		expect(state.cancelled).toBe(true);
	});

	it('an endless body -> too-large after the chunks that pass the limit, then cancelled', async () => {
		const chunk = new Uint8Array(64 * 1024).fill(0x61);
		const state = { pulls: 0, cancelled: false };
		const endless = new ReadableStream<Uint8Array>(
			{
				pull(controller) {
					state.pulls += 1;
					controller.enqueue(chunk);
				},
				cancel() {
					state.cancelled = true;
				},
			},
			{ highWaterMark: 0 },
		);
		const outcome = await request(endless);
		expect(outcome.kind).toBe('too-large');
		expect(state.pulls).toBe(MAX_RESPONSE_BYTES / chunk.byteLength + 1);
		expect(state.cancelled).toBe(true);
	});

	it('content-length above the limit -> too-large without reading a byte (the stream is cancelled unread)', async () => {
		const { stream, state } = playedBody([new Uint8Array(16)]);
		const outcome = await request(stream, { headers: { 'content-length': String(100 * 1024 * 1024) } });
		expect(outcome.kind).toBe('too-large');
		expect(state.pulls).toBe(0);
		expect(state.cancelled).toBe(true);
	});

	it('content-length at the limit, or not a number -> the body is read and counted as it comes', async () => {
		const { stream } = playedBody([new TextEncoder().encode('{"ok":true}')]);
		expect(bodyTextOf(await request(stream, { headers: { 'content-length': String(MAX_RESPONSE_BYTES) } }))).toBe('{"ok":true}');
		const { stream: second } = playedBody([new TextEncoder().encode('{}')]);
		expect(bodyTextOf(await request(second, { headers: { 'content-length': 'lots' } }))).toBe('{}');
	});

	it('no body (204) -> empty text', async () => {
		expect(bodyTextOf(await request(null, { status: 204 }))).toBe('');
	});

	it('invalid UTF-8 -> replacement characters, as response.text() gave', async () => {
		const { stream } = playedBody([new Uint8Array([0x7b, 0xff, 0x7d])]);
		expect(bodyTextOf(await request(stream))).toBe('{\uFFFD}');
	});

	it('a slow body below the limit still ends in a timeout (headers and body share one timeout)', async () => {
		const { stream, state } = playedBody(chunked(new Uint8Array(1000).fill(0x61), 10), { pauseMs: 20 });
		const start = performance.now();
		const outcome = await request(stream, {}, { timeout: 100 });
		expect(outcome.kind).toBe('timeout');
		expect(performance.now() - start).toBeLessThan(1_000);
		expect(state.pulls).toBeLessThan(100);
		expect(state.cancelled).toBe(true);
	});

	it("the caller's abort mid-body rejects at once with its reason, and leaves no listener on the caller's signal", async () => {
		const { stream, state } = playedBody(chunked(new Uint8Array(1000).fill(0x61), 10), { pauseMs: 20 });
		const controller = new AbortController();
		const reason = new Error('caller gave up');
		const pending = request(stream, {}, { timeout: 5_000, signal: controller.signal }).catch((error: unknown) => error);
		setTimeout(() => controller.abort(reason), 50);
		const start = performance.now();
		expect(await pending).toBe(reason);
		expect(performance.now() - start).toBeLessThan(1_000);
		expect(abortListeners(controller.signal)).toBe(0);
		expect(state.cancelled).toBe(true);
	});

	it("too-large leaves no listener on the caller's signal", async () => {
		const controller = new AbortController();
		const { stream } = playedBody([new Uint8Array(MAX_RESPONSE_BYTES + 1)]);
		expect((await request(stream, {}, { signal: controller.signal })).kind).toBe('too-large');
		expect(abortListeners(controller.signal)).toBe(0);
	});
});
