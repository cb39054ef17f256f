import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenManager, dotkernel } from '../../src/index.js';
import { createClock, FAST } from '../_helpers/manager.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

const generate = createTokenEndpoint('https://dk.test/security/generate-token');
const refresh = createTokenEndpoint('https://dk.test/security/refresh-token');
const server = startMockServer(generate.handler, refresh.handler);
afterAll(() => server.close());
beforeEach(() => {
	generate.reset();
	refresh.reset();
	generate.respond(() => generate.issue({ refresh_token: 'def502-r1', expires_in: 86400 }));
	refresh.respond(() => refresh.issue({ refresh_token: 'def502-r2', expires_in: 86400 }));
});

describe('dotkernel() on the wire', () => {
	it('password grant and refresh are JSON bodies with the documented fields, secrets in the body', async () => {
		const clock = createClock();
		const manager = createTokenManager(
			dotkernel({
				url: 'https://dk.test/',
				clientId: 'frontend',
				clientSecret: 'frontend',
				credentials: async () => ({ username: 'test@dotkernel.com', password: 'dotkernel' }),
			}),
			{ ...FAST, now: clock.now },
		);
		await manager.getToken();
		clock.advance(86400_000);
		await manager.getToken();
		expect(generate.seen).toEqual([
			{
				contentType: 'application/json',
				authorization: null,
				params: {
					grant_type: 'password',
					username: 'test@dotkernel.com',
					password: 'dotkernel',
					scope: 'api',
					client_id: 'frontend',
					client_secret: 'frontend',
				},
			},
		]);
		expect(refresh.seen).toEqual([
			{
				contentType: 'application/json',
				authorization: null,
				params: { grant_type: 'refresh_token', refresh_token: 'def502-r1', scope: 'api', client_id: 'frontend', client_secret: 'frontend' },
			},
		]);
	});

	it('treats 401 and 403 as rejections, and requires a url', () => {
		const provider = dotkernel({ url: 'https://dk.test', clientId: 'frontend', clientSecret: 'frontend' });
		expect(provider.rejectionStatuses).toEqual([401, 403]);
		expect(provider.endpoints).toEqual({
			token: 'https://dk.test/security/generate-token',
			refresh: 'https://dk.test/security/refresh-token',
		});
		expect(() => dotkernel({ clientId: 'frontend', clientSecret: 'frontend' } as never)).toThrow(/Expected `url`/);
	});
});
