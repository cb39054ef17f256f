import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpaExample, type SpaExample } from '../../examples/spa/server.js';
import { type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { logInThroughProvider, openSpaPage } from '../_helpers/browsers/spa-page.js';

// The same tests in every engine (test/_helpers/browsers/): under CI a missing or broken browser is a failure, never
// a skip. Each engine gets its own emulator, so its counters count its own requests.
describe.each(ENGINES)('the SPA example in $name (cross-origin, PKCE, two tabs)', (engine) => {
	const suite = useBrowser(engine);
	let example: SpaExample;

	beforeAll(async () => {
		example = await startSpaExample();
	}, 60_000);

	afterAll(async () => {
		await example?.close();
	});

	/** The session the page keeps in IndexedDB (the example's `storage: 'local'`), read as another script could. */
	function storedTokens(tab: BrowserTab): Promise<{ accessToken: string; refreshToken?: string } | undefined> {
		return tab.evaluate(
			() =>
				new Promise<{ accessToken: string; refreshToken?: string } | undefined>((resolve, reject) => {
					const opening = indexedDB.open('tokenkeeper');
					opening.onerror = () => reject(opening.error);
					opening.onsuccess = () => {
						const all = opening.result.transaction('tokens', 'readonly').objectStore('tokens').getAll();
						all.onerror = () => reject(all.error);
						all.onsuccess = () => {
							opening.result.close();
							resolve(all.result[0]);
						};
					};
				}),
		);
	}

	const openSpa = () => openSpaPage(suite.browser, example.spaUrl);

	it('logs in with PKCE, then calls the API on the other origin', async () => {
		const tab = await openSpa();
		await logInThroughProvider(tab);
		expect(await tab.evaluate(() => document.querySelector('#status')?.textContent)).toMatch(/^Logged in/);
		const me = await tab.evaluate(() => window.demo.callApi());
		expect(me).toMatchObject({ username: expect.any(String) });
		expect(example.emulator.counters().tokenRequests.authorization_code).toBe(1);
		// The address bar and history no longer hold the code or the state.
		expect(await tab.url()).toBe(`${example.spaUrl}/`);
		await tab.close();
	});

	it('two tabs force a refresh at the same moment -> exactly 1 refresh request, no reuse', async () => {
		const [tab1, tab2] = await Promise.all([openSpa(), openSpa()]);
		expect(await tab1.evaluate(() => window.demo.loggedIn())).toBe(true);
		expect(await tab2.evaluate(() => window.demo.loggedIn())).toBe(true);
		example.emulator.resetCounters();
		// Both tabs start at one agreed instant, not when each evaluate() happens to arrive.
		const at = Date.now() + 300;
		const forceAt = (tab: BrowserTab) =>
			tab.evaluate((start) => new Promise((resolve) => setTimeout(resolve, start - Date.now())).then(() => window.demo.refresh()), at);
		await Promise.all([forceAt(tab1), forceAt(tab2)]);
		const counters = example.emulator.counters();
		expect(counters.tokenRequests.refresh_token).toBe(1);
		expect(counters.refreshTokenReuse).toBe(0);
		// Both tabs go on with the rotated session.
		await expect(tab1.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		await expect(tab2.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		await Promise.all([tab1.close(), tab2.close()]);
	});

	it('one tab after the other: each forced refresh uses the refresh token the other tab rotated', async () => {
		const [tab1, tab2] = await Promise.all([openSpa(), openSpa()]);
		example.emulator.resetCounters();
		for (let i = 0; i < 3; i++) {
			await tab1.evaluate(() => window.demo.refresh());
			await tab2.evaluate(() => window.demo.refresh());
		}
		const counters = example.emulator.counters();
		expect(counters.tokenRequests.refresh_token).toBe(6);
		expect(counters.refreshTokenReuse).toBe(0);
		await Promise.all([tab1.close(), tab2.close()]);
	});

	it('the two tabs racing without a common start, 10 rounds: never a reuse, never a dead session', async () => {
		// Regression: with localStorage, the tab that took the lock could still read the old refresh token.
		const [tab1, tab2] = await Promise.all([openSpa(), openSpa()]);
		example.emulator.resetCounters();
		for (let round = 0; round < 10; round++) {
			await Promise.all([tab1.evaluate(() => window.demo.refresh()), tab2.evaluate(() => window.demo.refresh())]);
		}
		expect(example.emulator.counters().refreshTokenReuse).toBe(0);
		// Neither tab was left with a dead session: both still call the API with the session the other rotated.
		await expect(tab1.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		await expect(tab2.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		expect(await tab1.evaluate(() => window.demo.loggedIn())).toBe(true);
		expect(await tab2.evaluate(() => window.demo.loggedIn())).toBe(true);
		await Promise.all([tab1.close(), tab2.close()]);
	});

	it('after the access token dies, calls refresh once and succeed', async () => {
		const tab = await openSpa();
		example.emulator.expireAllTokens();
		example.emulator.resetCounters();
		const results = await tab.evaluate(() => Promise.all(Array.from({ length: 10 }, () => window.demo.callApi())));
		expect(results).toHaveLength(10);
		expect(example.emulator.counters().tokenRequests.refresh_token).toBe(1);
		await tab.close();
	});

	/** The chunks served since `from` (an index into the example's log), by the name of the module they start with. */
	const chunksServedSince = (from: number) =>
		example.scriptsServed
			.slice(from)
			.flatMap((script) => /^\/(indexed-db|lease-lock|session-dpop|login-steps|openid)-/.exec(script)?.[1] ?? []);

	it('the parts a page may not need are chunks loaded on demand: IndexedDB for `storage: "local"`, never the lease lock with Web Locks, the login only at the login', async () => {
		// A page that keeps tokens in sessionStorage loads none (the session's first load in a fresh tab).
		let from = example.scriptsServed.length;
		const sessionTab = await suite.browser.openTab(`${example.spaUrl}/?storage=session`);
		await sessionTab.waitFor(() => document.body.dataset.ready === 'true');
		expect(example.scriptsServed.slice(from)).toContain('/app.js');
		expect(chunksServedSince(from)).toEqual([]);
		await sessionTab.close();
		// A login, in a tab of the example's default, `storage: "local"`: the login steps' chunk on the page that makes
		// the authorization URL, and again on the callback page (a new page load) beside its IndexedDB store; never
		// OpenID Connect's, as the example's scope has no `openid`.
		const loginTab = await openSpa();
		from = example.scriptsServed.length;
		await logInThroughProvider(loginTab);
		expect(chunksServedSince(from).sort()).toEqual(['indexed-db', 'login-steps', 'login-steps']);
		await loginTab.close();
		// A page that only calls the API with the stored session, and refreshes it: the IndexedDB store's chunk, once;
		// Web Locks do the locking; no login steps, no OpenID Connect.
		from = example.scriptsServed.length;
		const tab = await openSpa();
		await tab.evaluate(() => window.demo.refresh());
		await expect(tab.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		expect(chunksServedSince(from)).toEqual(['indexed-db']);
		await tab.close();
	});

	it('without Web Locks (a page over plain HTTP): the lease lock is loaded, and two tabs racing 10 rounds never reuse a refresh token', async () => {
		const from = example.scriptsServed.length;
		const open = async () => {
			const tab = await suite.browser.openTab(`${example.spaUrl}/?weblocks=off`);
			await tab.waitFor(() => document.body.dataset.ready === 'true');
			return tab;
		};
		const [tab1, tab2] = await Promise.all([open(), open()]);
		expect(await tab1.evaluate(() => 'locks' in navigator)).toBe(false);
		expect(await tab1.evaluate(() => window.demo.loggedIn())).toBe(true);
		example.emulator.resetCounters();
		for (let round = 0; round < 10; round++) {
			await Promise.all([tab1.evaluate(() => window.demo.refresh()), tab2.evaluate(() => window.demo.refresh())]);
		}
		const counters = example.emulator.counters();
		expect(counters.refreshTokenReuse).toBe(0);
		// Each round refreshes once or twice: a tab that gets the lock after the other's refresh takes its token.
		expect(counters.tokenRequests.refresh_token).toBeGreaterThanOrEqual(10);
		await expect(tab1.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		await expect(tab2.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		expect(chunksServedSince(from).sort()).toEqual(['indexed-db', 'indexed-db', 'lease-lock', 'lease-lock']);
		await Promise.all([tab1.close(), tab2.close()]);
	});

	/** Fill the origin's sessionStorage to its quota (each engine has its own), halving the chunk on each refusal. */
	function fillSessionStorage(tab: BrowserTab): Promise<number> {
		return tab.evaluate(() => {
			let chunk = 1 << 20;
			let items = 0;
			while (chunk >= 1 && items < 10_000) {
				try {
					sessionStorage.setItem(`filler:${items}`, 'x'.repeat(chunk));
					items += 1;
				} catch {
					chunk = Math.floor(chunk / 2);
				}
			}
			return items;
		});
	}

	const sessionKeys = (tab: BrowserTab) =>
		tab.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('tokenkeeper:tokens:')));

	it('a sessionStorage full before the login: the login survives the redirect, and the session lives in the tab', async () => {
		const tab = await suite.browser.openTab(`${example.spaUrl}/?storage=session`);
		await tab.waitFor(() => document.body.dataset.ready === 'true');
		expect(await fillSessionStorage(tab)).toBeGreaterThan(0);
		example.emulator.resetCounters();
		await logInThroughProvider(tab);
		expect(await tab.evaluate(() => document.querySelector('#output')?.textContent)).toBe('Logged in.');
		await expect(tab.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		await tab.evaluate(() => window.demo.refresh());
		// Nothing could be written: the session is this tab's memory, rotated without a reuse; the attempt went through
		// localStorage and was removed from it at the callback.
		expect(await sessionKeys(tab)).toHaveLength(0);
		expect(await tab.evaluate(() => Object.keys(localStorage).filter((key) => key.includes('attempt:')))).toEqual([]);
		const counters = example.emulator.counters();
		expect(counters.tokenRequests.authorization_code).toBe(1);
		expect(counters.tokenRequests.refresh_token).toBe(1);
		expect(counters.refreshTokenReuse).toBe(0);
		await tab.close();
	});

	it('a sessionStorage filled after the login: rotations go on without reuse, and a reload goes on from the last one', async () => {
		const tab = await suite.browser.openTab(`${example.spaUrl}/?storage=session`);
		await tab.waitFor(() => document.body.dataset.ready === 'true');
		await logInThroughProvider(tab);
		expect(await sessionKeys(tab)).toHaveLength(1);
		expect(await fillSessionStorage(tab)).toBeGreaterThan(0);
		example.emulator.resetCounters();
		await tab.evaluate(() => window.demo.refresh());
		await tab.evaluate(() => window.demo.refresh());
		await expect(tab.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		// A reload reads what was stored: the last rotation (a stale refresh token would be a reuse, and end the session).
		await tab.reload();
		await tab.waitFor(() => document.body.dataset.ready === 'true');
		await tab.evaluate(() => window.demo.refresh());
		await expect(tab.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		const counters = example.emulator.counters();
		expect(counters.tokenRequests.refresh_token).toBe(3);
		expect(counters.refreshTokenReuse).toBe(0);
		await tab.close();
	});

	it('logout revokes at the provider and clears the tab', async () => {
		const tab = await openSpa();
		await tab.evaluate(() => window.demo.callApi());
		const before = await storedTokens(tab);
		expect(before).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
		example.emulator.resetCounters();
		const result = await tab.evaluate(() => window.demo.logout());
		expect(result).toEqual({ revoked: true, errors: [] });
		expect(example.emulator.counters().revocations).toBe(2);
		expect(await tab.evaluate(() => window.demo.loggedIn())).toBe(false);
		expect(await storedTokens(tab)).toBeUndefined();
		// Revoked at the provider, not only forgotten here: the old tokens no longer work anywhere.
		const api = await fetch(`${example.emulator.url}/api/users/@me`, { headers: { authorization: `Bearer ${before!.accessToken}` } });
		expect(api.status).toBe(401);
		const refresh = await fetch(`${example.emulator.url}/oauth2/token`, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before!.refreshToken!, client_id: 'sqowey-spa' }),
		});
		expect(refresh.status).toBe(400);
		expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
		await tab.close();
	});
});
