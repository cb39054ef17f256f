import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebApp, type WebAppExample } from '../../examples/web-app/server.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../_helpers/redis-server.js';
import { visit } from '../_helpers/sqowey-flow.js';

// examples/web-app: a confidential client on a server, driven as browsers drive it (manual redirects, a cookie jar
// each). Sessions in files (the default), and in Redis where redis-server is installed.
const redisBinary = requireRedisServerUnlessLocal();
const backends = [
	{ name: 'files', available: true },
	{ name: 'Redis', available: redisBinary !== undefined },
];

/** One browser: its own cookies for the app, every response kept, redirects not followed. */
class Browser {
	readonly cookies = new Map<string, string>();
	readonly setCookies: string[] = [];

	constructor(private readonly app: string) {}

	async request(pathOrUrl: string | URL, init: RequestInit = {}): Promise<Response> {
		const url = new URL(pathOrUrl, this.app);
		const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
		const response = await fetch(url, {
			...init,
			redirect: 'manual',
			headers: cookie ? { cookie } : {},
			signal: AbortSignal.timeout(5_000),
		});
		for (const line of response.headers.getSetCookie()) {
			this.setCookies.push(line);
			const [pair = ''] = line.split(';');
			const separator = pair.indexOf('=');
			const [name, value] = [pair.slice(0, separator), pair.slice(separator + 1)];
			if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return response;
	}

	/** `/login`, then the provider (which lets the person in at once), back with its redirect: not yet handled. */
	async startLogin(): Promise<URL> {
		const login = await this.request('/login');
		expect(login.status).toBe(302);
		return visit(login.headers.get('location')!);
	}

	async logIn(): Promise<void> {
		const callback = await this.request(await this.startLogin());
		expect(callback.status).toBe(302);
		expect(callback.headers.get('location')).toBe('/');
	}

	async page(): Promise<string> {
		return (await this.request('/')).text();
	}
}

describe.each(backends.filter((backend) => backend.available))('the web app example, sessions in $name', ({ name }) => {
	let redis: RedisServer | undefined;
	let example: WebAppExample;
	const counters = () => example.emulator.counters();

	beforeAll(async () => {
		redis = name === 'Redis' ? await startRedisServer(redisBinary!) : undefined;
		example = await startWebApp({ redisUrl: redis?.url });
	});
	afterAll(async () => {
		await example?.close();
		await redis?.stop();
	});

	it('two people logging in at once get a session each; each calls the API with its own tokens', async () => {
		example.emulator.resetCounters();
		const [alice, bob] = [new Browser(example.url), new Browser(example.url)];
		expect(await alice.page()).toContain('Log in');
		await Promise.all([alice.logIn(), bob.logIn()]);
		expect(alice.cookies.get('session')).not.toBe(bob.cookies.get('session'));
		expect(await alice.page()).toContain('Signed in as oauth2-user');
		expect(await bob.page()).toContain('Signed in as oauth2-user');
		expect(counters().tokenRequests.authorization_code).toBe(2);

		const [a, b] = await Promise.all([alice.request('/api'), bob.request('/api')]);
		expect([a.status, b.status]).toEqual([200, 200]);
		const body = await a.json();
		expect(body).toMatchObject({
			resource: example.emulator.credentials.oauth2.resources[0],
			sub: 'oauth2-user-1',
			client_id: 'oauth2-service',
		});
		await b.body?.cancel();
		// Each session asks for nothing more: the code exchange's tokens serve the API.
		expect(counters().tokenRequests.total).toBe(2);
		expect(counters().resources[body.resource]?.apiRequests).toMatchObject({ ok: 2, rejected: 0 });
	});

	it('the cookie holds an opaque session id only (HttpOnly, SameSite=Lax); it is a new one after the login', async () => {
		const browser = new Browser(example.url);
		const login = await browser.request('/login');
		const before = browser.cookies.get('session');
		const authorizationUrl = new URL(login.headers.get('location')!);
		const state = authorizationUrl.searchParams.get('state')!;
		const nonce = authorizationUrl.searchParams.get('nonce')!;
		// The attempt is on the server, under this browser's session id.
		const attempt = await example.sessions.attemptsOf(before!).getItem(`tokenkeeper:attempt:${state}`);
		expect(JSON.parse(attempt!)).toMatchObject({ state, nonce, codeVerifier: expect.any(String) });
		const callback = await visit(authorizationUrl.href);
		await browser.request(callback);
		expect(await example.sessions.attemptsOf(before!).getItem(`tokenkeeper:attempt:${state}`)).toBeNull();
		const after = browser.cookies.get('session');

		expect(before).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(after).not.toBe(before);
		expect([...browser.cookies.keys()]).toEqual(['session']);
		for (const line of browser.setCookies) {
			expect(line).toMatch(/; HttpOnly/);
			expect(line).toMatch(/; SameSite=Lax/);
			expect(line).toMatch(/; Path=\//);
			// The attempt (state, nonce, PKCE verifier) and the code stay on the server.
			for (const secret of [state, nonce, callback.searchParams.get('code')!]) expect(line).not.toContain(secret);
		}
		// Over plain http a Secure cookie would be dropped: the app sets Secure (and `__Host-`) only on https.
		expect(browser.setCookies.join('\n')).not.toMatch(/Secure/);
	});

	it('the code is exchanged once: the callback replayed, with the cookie before or after the login, is refused (400)', async () => {
		example.emulator.resetCounters();
		const browser = new Browser(example.url);
		const callback = await browser.startLogin();
		const before = browser.cookies.get('session')!;
		expect((await browser.request(callback)).status).toBe(302);

		const replayed = await browser.request(callback);
		expect(replayed.status).toBe(400);
		expect(await replayed.text()).toMatch(/matches no login in progress/);
		browser.cookies.set('session', before);
		expect((await browser.request(callback)).status).toBe(400);
		expect(counters().tokenRequests.authorization_code).toBe(1);
	});

	it('a forged state is refused before any token request; the real callback still works', async () => {
		example.emulator.resetCounters();
		const browser = new Browser(example.url);
		const callback = await browser.startLogin();
		const forged = new URL(callback);
		forged.searchParams.set('state', 'forged-state-0123456789abcdefghijklmnopqrstu');
		const refused = await browser.request(forged);
		expect(refused.status).toBe(400);
		expect(await refused.text()).toMatch(/state matches no login in progress/);
		expect(counters().tokenRequests.total).toBe(0);
		expect((await browser.request(callback)).status).toBe(302);
		expect(await browser.page()).toContain('Signed in');
	});

	it("another browser's callback (a login of someone else's) is refused: attempts are kept per session", async () => {
		example.emulator.resetCounters();
		const [victim, attacker] = [new Browser(example.url), new Browser(example.url)];
		await victim.request('/login');
		const attackersCallback = await attacker.startLogin();
		expect((await victim.request(attackersCallback)).status).toBe(400);
		expect(await victim.page()).toContain('Log in');
		expect(counters().tokenRequests.total).toBe(0);
	});

	it('a callback without a session cookie: 400, nothing sent', async () => {
		example.emulator.resetCounters();
		const callback = await new Browser(example.url).startLogin();
		const response = await new Browser(example.url).request(callback);
		expect(response.status).toBe(400);
		expect(counters().tokenRequests.total).toBe(0);
	});

	it("logout ends that session only: tokens revoked, cookie cleared, on to the provider's end-session URL", async () => {
		const [alice, bob] = [new Browser(example.url), new Browser(example.url)];
		await Promise.all([alice.logIn(), bob.logIn()]);
		const aliceSession = alice.cookies.get('session')!;
		example.emulator.resetCounters();

		const logout = await alice.request('/logout', { method: 'POST' });
		expect(logout.status).toBe(303);
		const endSession = new URL(logout.headers.get('location')!);
		expect(endSession.origin).toBe(example.emulator.url);
		expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${example.url}/`);
		expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
		expect(counters().revocations).toBeGreaterThanOrEqual(1);
		expect(alice.cookies.has('session')).toBe(false);
		expect(await alice.page()).toContain('Log in');

		// The old id, kept by whoever copied it, opens nothing any more.
		alice.cookies.set('session', aliceSession);
		const api = await alice.request('/api');
		expect(api.status).toBe(401);
		expect(await api.json()).toEqual({ error: 'login_required' });
		expect((await bob.request('/api')).status).toBe(200);
	});

	it('expired tokens, concurrent calls of two sessions: one refresh per session, no refresh token used twice', async () => {
		const [alice, bob] = [new Browser(example.url), new Browser(example.url)];
		await Promise.all([alice.logIn(), bob.logIn()]);
		example.emulator.resetCounters();
		example.emulator.expireAllTokens();
		const responses = await Promise.all([alice, bob, alice, bob, alice, bob].map((browser) => browser.request('/api')));
		expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
		await Promise.all(responses.map((response) => response.body?.cancel()));
		expect(counters().tokenRequests.refresh_token).toBe(2);
		expect(counters().refreshTokenReuse).toBe(0);
	});

	it('/api without a session: 401 login_required, no token request', async () => {
		example.emulator.resetCounters();
		const response = await new Browser(example.url).request('/api');
		expect(response.status).toBe(401);
		expect(counters().tokenRequests.total).toBe(0);
	});
});
