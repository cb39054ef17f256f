import { afterEach, describe, expect, it } from 'vitest';
import { postForm, postJson, transports, withToken, type Started } from '../_helpers/transports.js';

describe.each(transports)('faults over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start() {
		started = await transport.start();
		const { url, clientId, clientSecret } = started.emulator.credentials.squidex;
		const squidexToken = () =>
			postForm(`${url}/identity-server/connect/token`, {
				grant_type: 'client_credentials',
				client_id: clientId,
				client_secret: clientSecret,
				scope: 'squidex-api',
			});
		return { emulator: started.emulator, url, squidexToken };
	}

	it('status 503 served `times` times, then normal answers; faults count only in faultsServed', async () => {
		const { emulator, squidexToken } = await start();
		emulator.injectFault({ kind: 'status', status: 503 }, { times: 2 });
		expect((await squidexToken()).status).toBe(503);
		expect((await squidexToken()).status).toBe(503);
		expect((await squidexToken()).status).toBe(200);
		expect(emulator.counters()).toMatchObject({ faultsServed: 2, tokenRequests: { total: 1, client_credentials: 1 } });
	});

	it('status 429 with Retry-After and a custom body', async () => {
		const { emulator, squidexToken } = await start();
		emulator.injectFault(
			{ kind: 'status', status: 429, retryAfter: 3, body: '{"error":"slow_down"}', contentType: 'application/json' },
			{ times: 1 },
		);
		const response = await squidexToken();
		expect(response.status).toBe(429);
		expect(response.headers.get('retry-after')).toBe('3');
		expect(await response.json()).toEqual({ error: 'slow_down' });
	});

	it('target "token" hits every provider\'s token endpoint, not the API; clearFaults stops it', async () => {
		const { emulator, url, squidexToken } = await start();
		emulator.injectFault({ kind: 'status', status: 500 });
		expect((await squidexToken()).status).toBe(500);
		expect((await postJson(`${url}/security/generate-token`, {})).status).toBe(500);
		expect((await withToken(`${url}/api/ping`, undefined)).status).toBe(401);
		emulator.clearFaults();
		expect((await squidexToken()).status).toBe(200);
	});

	it('target "api" hits protected resources only', async () => {
		const { emulator, url, squidexToken } = await start();
		emulator.injectFault({ kind: 'status', status: 502 }, { target: 'api', times: 1 });
		const { access_token } = (await (await squidexToken()).json()) as { access_token: string };
		expect((await withToken(`${url}/api/ping`, access_token)).status).toBe(502);
		expect((await withToken(`${url}/api/ping`, access_token)).status).toBe(200);
		expect(emulator.counters()).toMatchObject({ faultsServed: 1, apiRequests: { total: 1, ok: 1 } });
	});

	it('html: an HTML page with status 200 by default', async () => {
		const { emulator, squidexToken } = await start();
		emulator.injectFault({ kind: 'html' }, { times: 1 });
		const response = await squidexToken();
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		expect(await response.text()).toMatch(/^<!DOCTYPE html>/);
	});

	it('invalid-json: 200 application/json that does not parse', async () => {
		const { emulator, squidexToken } = await start();
		emulator.injectFault({ kind: 'invalid-json' }, { times: 1 });
		const response = await squidexToken();
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/json');
		await expect(response.json()).rejects.toThrow(SyntaxError);
	});

	it('token-response: exactly the given body', async () => {
		const { emulator, squidexToken } = await start();
		const body = { access_token: 'x', expires_in: -5, token_type: 'DPoP' };
		emulator.injectFault({ kind: 'token-response', body }, { times: 1 });
		const response = await squidexToken();
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual(body);
	});

	it('reset: the client sees a network error', async () => {
		const { emulator, squidexToken } = await start();
		emulator.injectFault({ kind: 'reset' }, { times: 1 });
		await expect(squidexToken()).rejects.toThrow(TypeError);
		expect((await squidexToken()).status).toBe(200);
		expect(emulator.counters().faultsServed).toBe(1);
	});

	it('hang: never answers until the client aborts; stopping afterwards is quick', async () => {
		const { emulator, url } = await start();
		emulator.injectFault({ kind: 'hang' });
		const startedAt = Date.now();
		const request = fetch(`${url}/identity-server/connect/token`, { method: 'POST', signal: AbortSignal.timeout(200) });
		await expect(request).rejects.toMatchObject({ name: 'TimeoutError' });
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
		const stopAt = Date.now();
		await started.stop();
		// A stop that waited for the hung connection would not end at all.
		expect(Date.now() - stopAt).toBeLessThan(1_000);
	});

	it('rejects malformed faults and options at injection', async () => {
		const { emulator } = await start();
		expect(() => emulator.injectFault({ kind: 'status', status: 99 })).toThrow(/`status`/);
		expect(() => emulator.injectFault({ kind: 'nope' } as never)).toThrow(/`fault.kind`/);
		expect(() => emulator.injectFault({ kind: 'hang' }, { times: 0 })).toThrow(/`times`/);
		expect(() => emulator.injectFault({ kind: 'hang' }, { target: 'x' as never })).toThrow(/`target`/);
	});
});
