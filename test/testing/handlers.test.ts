import { setupServer } from 'msw/node';
import { describe, expect, it } from 'vitest';
import { providerHandlers } from '../../src/testing/index.js';

describe('providerHandlers (msw)', () => {
	it('defaults to http://emulator.test and serves every provider there', async () => {
		const emulator = providerHandlers();
		expect(emulator.url).toBe('http://emulator.test');
		expect(emulator.credentials.squidex.url).toBe('http://emulator.test');
		expect(emulator.credentials.sqowey).toEqual({ url: 'http://emulator.test', clientId: 'sqowey-spa' });
		const server = setupServer(...emulator.handlers);
		server.listen({ onUnhandledRequest: 'error' });
		try {
			const response = await fetch('http://emulator.test/user/my-account', { signal: AbortSignal.timeout(1000) });
			expect(response.status).toBe(403);
		} finally {
			server.close();
		}
	});

	it('accepts another origin (a trailing slash is dropped) and refuses a path prefix', () => {
		expect(providerHandlers({ url: 'https://squidex.example/' }).url).toBe('https://squidex.example');
		expect(() => providerHandlers({ url: 'http://emulator.test/base' })).toThrow(/`url`/);
		expect(() => providerHandlers({ url: 'not a url' })).toThrow(/`url`/);
	});
});
