import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDeviceAuthorizationFlow, ErrorCode, oauth2 } from '../../src/index.js';
import { SECRET, startMockServer, TOKEN_URL } from '../_helpers/token-server.js';

const DEVICE_URL = 'https://auth.test/oauth/device';
const provider = () => oauth2({ tokenEndpoint: TOKEN_URL, deviceAuthorizationEndpoint: DEVICE_URL, clientId: 'cli', grant: 'device_code' });

/** A device endpoint and a token endpoint that answer each poll from a script (the last answer repeats). */
function deviceServer(polls: Array<() => Response>, device: Record<string, unknown> = {}) {
	const seen = { device: [] as Record<string, string>[], polls: [] as Array<{ at: number; params: Record<string, string> }> };
	const handlers = [
		http.post(DEVICE_URL, async ({ request }) => {
			seen.device.push(Object.fromEntries(new URLSearchParams(await request.text())));
			return HttpResponse.json({
				device_code: 'DEVICE-CODE-secret',
				user_code: 'WDJB-MJHT',
				verification_uri: 'https://auth.test/device',
				verification_uri_complete: 'https://auth.test/device?user_code=WDJB-MJHT',
				expires_in: 600,
				interval: 0,
				...device,
			});
		}),
		http.post(TOKEN_URL, async ({ request }) => {
			seen.polls.push({ at: performance.now(), params: Object.fromEntries(new URLSearchParams(await request.text())) });
			return (polls.length > 1 ? polls.shift()! : polls[0]!)();
		}),
	];
	return { handlers, seen };
}

const pending = () => HttpResponse.json({ error: 'authorization_pending' }, { status: 400 });
const granted = () =>
	HttpResponse.json({ access_token: 'device-access', token_type: 'Bearer', expires_in: 3600, refresh_token: 'device-refresh' });

const server = startMockServer();
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('createDeviceAuthorizationFlow (RFC 8628)', () => {
	it('start -> user code and URLs for the person; complete -> polls until approved, stores through the manager', async () => {
		const { handlers, seen } = deviceServer([pending, pending, granted]);
		server.use(...handlers);
		const flow = createDeviceAuthorizationFlow(provider());
		const events: string[] = [];
		flow.tokens.on('token', ({ source }) => events.push(`token:${source}`));
		flow.tokens.on('error', ({ error }) => events.push(`error:${(error as { code: string }).code}`));
		const login = await flow.start({ scope: ['openid', 'offline_access'] });
		expect(login).toMatchObject({
			userCode: 'WDJB-MJHT',
			verificationUri: 'https://auth.test/device',
			verificationUriComplete: 'https://auth.test/device?user_code=WDJB-MJHT',
		});
		expect(login.expiresAt).toBeGreaterThan(Date.now() + 590_000);
		expect(JSON.stringify(login)).not.toContain('DEVICE-CODE-secret');
		expect(seen.device).toEqual([{ client_id: 'cli', scope: 'openid offline_access' }]);
		const tokenSet = await login.complete();
		expect(tokenSet.accessToken).toBe('device-access');
		expect(seen.polls.map(({ params }) => params)).toEqual(
			Array(3).fill({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'DEVICE-CODE-secret', client_id: 'cli' }),
		);
		// Stored like any login: the manager serves it, and "authorization_pending" was no error event.
		expect((await flow.tokens.getToken()).accessToken).toBe('device-access');
		expect(events).toEqual(['token:grant']);
	});

	it('honours interval, and slow_down adds 5 s to it', async () => {
		const { handlers, seen } = deviceServer([pending, () => HttpResponse.json({ error: 'slow_down' }, { status: 400 }), granted], {
			interval: 0.3,
		});
		server.use(...handlers);
		const login = await createDeviceAuthorizationFlow(provider()).start();
		await expect(login.complete()).resolves.toMatchObject({ accessToken: 'device-access' });
		const gaps = seen.polls.slice(1).map((poll, index) => poll.at - seen.polls[index]!.at);
		expect(gaps).toHaveLength(2);
		// 0.3 s between the first two polls; after slow_down, 0.3 + 5 s.
		expect(gaps[0]).toBeGreaterThanOrEqual(280);
		expect(gaps[0]).toBeLessThan(2_000);
		expect(gaps[1]).toBeGreaterThanOrEqual(5_280);
		expect(gaps[1]).toBeLessThan(7_500);
	}, 15_000);

	it('access_denied -> AuthorizationResponseError naming it; expired_token -> one naming that; neither an error event per poll', async () => {
		for (const error of ['access_denied', 'expired_token'] as const) {
			const { handlers } = deviceServer([pending, () => HttpResponse.json({ error }, { status: 400 })]);
			server.use(...handlers);
			const login = await createDeviceAuthorizationFlow(provider()).start();
			await expect(login.complete()).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error });
			server.resetHandlers();
		}
	});

	it('the code expires while the person has not answered -> expired_token after expires_in, without polling on', async () => {
		const { handlers, seen } = deviceServer([pending], { expires_in: 1, interval: 0.2 });
		server.use(...handlers);
		const login = await createDeviceAuthorizationFlow(provider()).start();
		const started = performance.now();
		await expect(login.complete()).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'expired_token' });
		expect(performance.now() - started).toBeLessThan(3_000);
		expect(seen.polls.length).toBeGreaterThanOrEqual(2);
		expect(seen.polls.length).toBeLessThanOrEqual(7);
	});

	it('an AbortSignal stops the polling at once with its reason', async () => {
		const { handlers, seen } = deviceServer([pending], { interval: 5 });
		server.use(...handlers);
		const login = await createDeviceAuthorizationFlow(provider()).start();
		const controller = new AbortController();
		const polling = login.complete({ signal: controller.signal });
		await new Promise((resolve) => setTimeout(resolve, 100));
		const reason = new Error('the user pressed Ctrl-C');
		const abortedAt = performance.now();
		controller.abort(reason);
		await expect(polling).rejects.toBe(reason);
		expect(performance.now() - abortedAt).toBeLessThan(1_000);
		expect(seen.polls).toHaveLength(1);
	});

	it('a provider without a device endpoint -> a TypeError saying what to set; the device code never appears in errors', async () => {
		const flow = createDeviceAuthorizationFlow(
			oauth2({ tokenEndpoint: TOKEN_URL, clientId: 'cli', clientSecret: SECRET, grant: 'device_code' }),
		);
		await expect(flow.start()).rejects.toThrow(/no device authorization endpoint: set `deviceAuthorizationEndpoint`/);
		const { handlers } = deviceServer([
			() => HttpResponse.json({ error: 'invalid_grant', error_description: 'bad DEVICE-CODE-secret' }, { status: 400 }),
		]);
		server.use(...handlers);
		const login = await createDeviceAuthorizationFlow(provider()).start();
		const error = await login.complete().catch((caught: unknown) => caught);
		expect(error).toMatchObject({
			code: ErrorCode.LoginRequired,
			message: expect.stringMatching(/device code expired or was already used/),
		});
		expect(JSON.stringify(error) + String((error as { cause?: Error }).cause?.message)).not.toContain('DEVICE-CODE-secret');
	});
});
