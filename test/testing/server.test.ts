import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';

describe('createEmulator (node server)', () => {
	it('listens on 127.0.0.1 with a random port; url has no trailing slash', async () => {
		const emulator = await createEmulator();
		try {
			expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(emulator.credentials.squidex).toEqual({
				url: emulator.url,
				clientId: 'food-crunch:default',
				clientSecret: 'emulator-secret-squidex',
			});
			expect(emulator.credentials.dotkernel).toEqual({
				url: emulator.url,
				clientId: 'frontend',
				clientSecret: 'frontend',
				username: 'test@dotkernel.com',
				password: 'dotkernel',
			});
			expect(emulator.credentials.sqowey).toEqual({ url: emulator.url, clientId: 'sqowey-spa' });
		} finally {
			await emulator.close();
		}
	});

	it('close() ends a hanging request the client never aborted, in under 1 s (the client would wait 5 s)', async () => {
		const emulator = await createEmulator();
		emulator.injectFault({ kind: 'hang' });
		const request = fetch(`${emulator.url}/identity-server/connect/token`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
		// Let the request reach the server before closing.
		await new Promise((resolve) => setTimeout(resolve, 50));
		const startedAt = Date.now();
		await emulator.close();
		expect(Date.now() - startedAt).toBeLessThan(1_000);
		await expect(request).rejects.toThrow(TypeError);
	});

	it('close() is idempotent and the port is released', async () => {
		const emulator = await createEmulator();
		await Promise.all([emulator.close(), emulator.close()]);
		await expect(fetch(`${emulator.url}/api/ping`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow(TypeError);
	});

	it('unknown paths -> 404 JSON; CORS preflights are answered and not counted', async () => {
		const emulator = await createEmulator();
		try {
			const missing = await fetch(`${emulator.url}/nowhere`, { signal: AbortSignal.timeout(1000) });
			expect(missing.status).toBe(404);
			expect(missing.headers.get('content-type')).toBe('application/json');
			const preflight = (origin: string) =>
				fetch(`${emulator.url}/identity-server/connect/token`, {
					method: 'OPTIONS',
					headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
					signal: AbortSignal.timeout(1000),
				});
			// Strict CORS: by default any loopback origin, echoed back, never `*`.
			const allowed = await preflight('http://localhost:5173');
			expect(allowed.status).toBe(204);
			expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
			const refused = await preflight('http://app.test');
			expect(refused.status).toBe(403);
			expect(refused.headers.get('access-control-allow-origin')).toBeNull();
			expect(emulator.counters().tokenRequests.total).toBe(0);
		} finally {
			await emulator.close();
		}
	});

	it('rejects when the port is taken', async () => {
		const first = await createEmulator();
		try {
			const port = Number(new URL(first.url).port);
			await expect(createEmulator({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
		} finally {
			await first.close();
		}
	});

	it('validates options up front', async () => {
		await expect(createEmulator({ squidex: { expiresIn: -1 } })).rejects.toThrow(/`squidex.expiresIn`/);
		await expect(createEmulator({ providers: ['nope' as never] })).rejects.toThrow(/`providers`/);
		await expect(createEmulator({ sqowey: { codeLifetime: Number.NaN } })).rejects.toThrow(/`sqowey.codeLifetime`/);
		await expect(createEmulator({ sqowey: { clients: [{ clientId: 'a', redirectUris: ['/relative'] }] } })).rejects.toThrow(
			/`sqowey.clients\[0\].redirectUris`/,
		);
		await expect(createEmulator({ sqowey: { clients: [{ clientId: 'a', clientSecret: '' }] } })).rejects.toThrow(
			/`sqowey.clients\[0\].clientSecret`/,
		);
		await expect(createEmulator({ sqowey: { users: [] } })).rejects.toThrow(/`sqowey.users`/);
		await expect(createEmulator({ corsOrigins: ['*'] })).rejects.toThrow(/`corsOrigins`/);
	});

	it('providers: a disabled provider has no routes', async () => {
		const emulator = await createEmulator({ providers: ['dotkernel'] });
		try {
			const response = await fetch(`${emulator.url}/identity-server/connect/token`, { method: 'POST', signal: AbortSignal.timeout(1000) });
			expect(response.status).toBe(404);
		} finally {
			await emulator.close();
		}
	});
});
