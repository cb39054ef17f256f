import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, createTokenManager } from '../../src/index.js';
import { instrument } from '../../src/otel.js';
import { FAST, testProvider } from '../_helpers/manager.js';
import { startTelemetry } from '../_helpers/otel.js';
import { API_URL, createRevocableTokens, startMockServer } from '../_helpers/token-server.js';

const { endpoint, accepted, api, reset } = createRevocableTokens();
const server = startMockServer(endpoint.handler, api);
afterAll(() => server.close());

let telemetry: ReturnType<typeof startTelemetry>;
beforeEach(() => {
	reset();
	telemetry = startTelemetry();
});
afterEach(() => telemetry.close());

describe('tokenkeeper/otel: instrument()', () => {
	it('cold start: one tokenkeeper.token_request span (HTTP semconv attributes) under the API call span, one lock wait, metrics', async () => {
		const client = createClient({ prefixUrl: `${API_URL}/`, auth: createTokenManager(testProvider(), FAST) });
		await telemetry.tracer.startActiveSpan('GET /things', async (span) => {
			await client.get('things').json();
			span.end();
		});
		const [call] = telemetry.spans('GET /things');
		const requests = telemetry.spans('tokenkeeper.token_request');
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request!.kind).toBe(SpanKind.CLIENT);
		expect(request!.attributes).toEqual({
			'http.request.method': 'POST',
			'server.address': 'auth.test',
			'server.port': 443,
			'url.scheme': 'https',
			'http.response.status_code': 200,
			'tokenkeeper.grant_type': 'client_credentials',
			'tokenkeeper.reason': 'cold',
			'tokenkeeper.attempts': 1,
		});
		expect(request!.status.code).toBe(SpanStatusCode.UNSET);
		// Context propagation: the token request sits under the API call that needed it, in the same trace.
		expect(request!.parentSpanContext?.spanId).toBe(call!.spanContext().spanId);
		expect(request!.spanContext().traceId).toBe(call!.spanContext().traceId);

		const [wait] = telemetry.spans('tokenkeeper.lock_wait');
		expect(wait!.attributes).toEqual({ 'tokenkeeper.store': 'memory', 'tokenkeeper.outcome': 'acquired' });
		expect(wait!.parentSpanContext?.spanId).toBe(call!.spanContext().spanId);
		// The memory store is in the process: no store span.
		expect(telemetry.spans('tokenkeeper.store')).toEqual([]);

		expect(await telemetry.metrics('tokenkeeper.token_requests')).toEqual([
			{
				name: 'tokenkeeper.token_requests',
				attributes: { 'tokenkeeper.grant_type': 'client_credentials', 'tokenkeeper.outcome': 'ok', 'tokenkeeper.reason': 'cold' },
				value: 1,
			},
		]);
		expect(await telemetry.metrics('tokenkeeper.token_request.duration')).toMatchObject([{ count: 1 }]);
		expect(await telemetry.metrics('tokenkeeper.lock_wait.duration')).toMatchObject([
			{ attributes: { 'tokenkeeper.store': 'memory', 'tokenkeeper.outcome': 'acquired' }, count: 1 },
		]);
		expect(await telemetry.metrics('tokenkeeper.api_retries')).toEqual([]);
	});

	it('near-cache hits: one per cached read; no span for them', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		await manager.getToken();
		for (let i = 0; i < 7; i++) await manager.getToken();
		expect(await telemetry.metrics('tokenkeeper.near_cache.hits')).toMatchObject([{ value: 7 }]);
		expect(telemetry.spans().map((span) => span.name)).toEqual(['tokenkeeper.lock_wait', 'tokenkeeper.token_request']);
	});

	it('revocation storm: N rejected API calls -> one token request span, N api retries (metric, and an event on each call span)', async () => {
		const N = 25;
		const client = createClient({ prefixUrl: `${API_URL}/`, auth: createTokenManager(testProvider(), FAST) });
		await client.get('warm').json();
		telemetry.reset();
		accepted.clear(); // the server revokes every token
		await Promise.all(
			Array.from({ length: N }, (_, i) =>
				telemetry.tracer.startActiveSpan(`call ${i}`, async (span) => {
					await client.get(`things/${i}`).json();
					span.end();
				}),
			),
		);
		const requests = telemetry.spans('tokenkeeper.token_request');
		expect(requests).toHaveLength(1);
		expect(requests[0]!.attributes['tokenkeeper.reason']).toBe('rejection');
		// The shared request belongs to the first caller's context: one of the call spans is its parent.
		const calls = telemetry.spans().filter((span) => span.name.startsWith('call '));
		expect(calls.map((span) => span.spanContext().spanId)).toContain(requests[0]!.parentSpanContext?.spanId);
		expect(calls.flatMap((span) => span.events.map((event) => event.name))).toEqual(Array(N).fill('tokenkeeper.api_retry'));
		expect(calls[0]!.events[0]!.attributes).toEqual({
			'http.response.status_code': 401,
			'server.address': 'api.test',
			'server.port': 443,
			'url.scheme': 'https',
		});
		expect(await telemetry.metrics('tokenkeeper.api_retries')).toMatchObject([
			{ value: N, attributes: { 'http.response.status_code': 401 } },
		]);
		expect(await telemetry.metrics('tokenkeeper.token_requests')).toHaveLength(2); // cold (warm-up) + rejection
	});

	it('a refused refresh: the span has error status and error.type invalid_grant; the metric says so', async () => {
		const manager = createTokenManager(testProvider({ grant: 'authorization_code' }), FAST);
		await manager.setTokens({ accessToken: 'old', refreshToken: 'refresh-old', expiresAt: 1 });
		endpoint.respond(() => HttpResponse.json({ error: 'invalid_grant', error_description: 'revoked' }, { status: 400 }));
		await expect(manager.getToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' });
		const [request] = telemetry.spans('tokenkeeper.token_request');
		expect(request!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'invalid_grant' });
		expect(request!.attributes).toMatchObject({
			'error.type': 'invalid_grant',
			'http.response.status_code': 400,
			'tokenkeeper.grant_type': 'refresh_token',
			'tokenkeeper.reason': 'expiry',
		});
		expect(await telemetry.metrics('tokenkeeper.token_requests')).toMatchObject([
			{ attributes: { 'tokenkeeper.grant_type': 'refresh_token', 'tokenkeeper.outcome': 'invalid_grant' }, value: 1 },
		]);
	});

	it('a token endpoint that stays down: error.type ERR_NETWORK after every attempt', async () => {
		endpoint.respond(() => HttpResponse.error());
		await expect(createTokenManager(testProvider(), FAST).getToken()).rejects.toMatchObject({ code: 'ERR_NETWORK' });
		const [request] = telemetry.spans('tokenkeeper.token_request');
		expect(request!.attributes).toMatchObject({ 'error.type': 'ERR_NETWORK', 'tokenkeeper.attempts': FAST.retry.retries + 1 });
		expect(request!.attributes['http.response.status_code']).toBeUndefined();
	});

	it('refresh-ahead: a counter, and the background request is a span of its own', async () => {
		let now = Date.UTC(2026, 10, 23, 12);
		const manager = createTokenManager(testProvider(), { ...FAST, now: () => now });
		await manager.getToken();
		now += 3_600_000 - 30_000 - 20_000;
		await manager.getToken();
		await expect.poll(() => telemetry.spans('tokenkeeper.token_request')).toHaveLength(2);
		expect(telemetry.spans('tokenkeeper.token_request')[1]!.attributes['tokenkeeper.reason']).toBe('refresh-ahead');
		expect(await telemetry.metrics('tokenkeeper.refresh_ahead')).toMatchObject([{ value: 1 }]);
	});

	it('stop(): nothing more is recorded', async () => {
		telemetry.stop();
		await createTokenManager(testProvider(), FAST).getToken();
		expect(telemetry.spans()).toEqual([]);
		expect(await telemetry.metrics()).toEqual([]);
		expect(trace.getActiveSpan()).toBeUndefined();
	});
});

describe('tokenkeeper/otel on a Node without process.getBuiltinModule (before 20.16)', () => {
	it('instrument() warns that nothing will be recorded (and does not where the module can be found)', () => {
		const original = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule');
		const warnings: unknown[][] = [];
		vi.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => void warnings.push(args));
		Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
		try {
			instrument()();
		} finally {
			if (original) Object.defineProperty(process, 'getBuiltinModule', original);
		}
		expect(warnings).toHaveLength(1);
		expect(warnings[0]![1]).toEqual({ code: 'TOKENKEEPER_NO_DIAGNOSTICS' });
		instrument()();
		expect(warnings).toHaveLength(1);
	});
});
