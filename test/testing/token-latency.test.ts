import { describe, expect, it } from 'vitest';
import { createEmulator, providerHandlers } from '../../src/testing/index.js';

const LATENCY = 200;

/** Milliseconds `send` took to settle, and what it settled with. */
async function timed<T>(send: () => Promise<T>): Promise<{ ms: number; value: T }> {
	const startedAt = performance.now();
	const value = await send();
	return { ms: performance.now() - startedAt, value };
}

describe('tokenLatency', () => {
	it("every provider's token endpoint answers tokenLatency ms late; the protected resources answer at once", async () => {
		const emulator = await createEmulator({ tokenLatency: LATENCY });
		try {
			const { url } = emulator;
			const post = (path: string, body: string, contentType: string) =>
				fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(5_000) });
			const squidex = emulator.credentials.squidex;
			const dotkernel = emulator.credentials.dotkernel;
			const squidexToken = await timed(() =>
				post(
					'/identity-server/connect/token',
					new URLSearchParams({
						grant_type: 'client_credentials',
						client_id: squidex.clientId,
						client_secret: squidex.clientSecret,
						scope: 'squidex-api',
					}).toString(),
					'application/x-www-form-urlencoded',
				),
			);
			const dotkernelToken = await timed(() =>
				post(
					'/security/generate-token',
					JSON.stringify({
						grant_type: 'password',
						client_id: dotkernel.clientId,
						client_secret: dotkernel.clientSecret,
						scope: 'api',
						username: dotkernel.username,
						password: dotkernel.password,
					}),
					'application/json',
				),
			);
			// A refused request is late too: the latency is the distance to the server, not the work of a grant.
			const sqoweyToken = await timed(() => post('/oauth2/token', 'grant_type=authorization_code', 'application/x-www-form-urlencoded'));
			expect(squidexToken.value.status).toBe(200);
			expect(dotkernelToken.value.status).toBe(200);
			expect(sqoweyToken.value.status).toBeGreaterThanOrEqual(400);
			// Timers may fire a little early by the clock performance.now() reads; 5 ms covers it.
			for (const each of [squidexToken, dotkernelToken, sqoweyToken]) expect(each.ms).toBeGreaterThanOrEqual(LATENCY - 5);

			const { access_token: accessToken } = (await dotkernelToken.value.json()) as { access_token: string };
			const api = await timed(() =>
				fetch(`${url}/user/my-account`, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(5_000) }),
			);
			expect(api.value.status).toBe(200);
			expect(api.ms).toBeLessThan(LATENCY);
			expect(emulator.counters().tokenRequests.total).toBe(3);
		} finally {
			await emulator.close();
		}
	});

	it('applies before a fault: an injected 503 arrives tokenLatency ms late', async () => {
		const emulator = await createEmulator({ tokenLatency: LATENCY });
		try {
			emulator.injectFault({ kind: 'status', status: 503 }, { times: 1 });
			const answer = await timed(() =>
				fetch(`${emulator.url}/identity-server/connect/token`, { method: 'POST', signal: AbortSignal.timeout(5_000) }),
			);
			expect(answer.value.status).toBe(503);
			expect(answer.ms).toBeGreaterThanOrEqual(LATENCY - 5);
			expect(emulator.counters().faultsServed).toBe(1);
		} finally {
			await emulator.close();
		}
	});

	it('close() ends a delayed token request at once, not after the latency', async () => {
		const emulator = await createEmulator({ tokenLatency: 60_000 });
		const request = fetch(`${emulator.url}/identity-server/connect/token`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
		// Let the request reach the server before closing.
		await new Promise((resolve) => setTimeout(resolve, 50));
		const closing = await timed(() => emulator.close());
		expect(closing.ms).toBeLessThan(1_000);
		await expect(request).rejects.toThrow(TypeError);
		// Never handled, so never counted.
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});

	it('the msw handlers wait too, and a client that stops waiting gets no answer', async () => {
		const emulator = providerHandlers({ tokenLatency: LATENCY });
		const [handler] = emulator.handlers;
		const request = new Request('http://emulator.test/identity-server/connect/token', { method: 'POST', signal: AbortSignal.timeout(50) });
		const answer = await timed(() => handler!.run({ request, requestId: 'latency' }));
		expect(answer.ms).toBeLessThan(LATENCY);
		expect(answer.value?.response?.type).toBe('error');
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});

	it('is validated up front: a non-negative number of ms that a timer can hold', async () => {
		for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '300' as unknown as number]) {
			await expect(createEmulator({ tokenLatency: bad })).rejects.toThrow(
				/Expected `tokenLatency` to be a non-negative number of milliseconds up to 2147483647/,
			);
			expect(() => providerHandlers({ tokenLatency: bad })).toThrow(/`tokenLatency`/);
		}
		const zero = await createEmulator({ tokenLatency: 0 });
		await zero.close();
	});
});
