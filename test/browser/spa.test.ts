import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpaExample, type SpaExample } from '../../examples/spa/server.js';
import { chromiumAvailable, launchChromium } from '../_helpers/chromium.js';

// Browser tests run for real: under CI a missing chromium is a failure, never a skip.
const available = chromiumAvailable();

describe.skipIf(!available)('the SPA example in Chromium (cross-origin, PKCE, two tabs)', () => {
	let example: SpaExample;
	let browser: Browser;
	let context: BrowserContext;

	beforeAll(async () => {
		example = await startSpaExample();
		browser = await launchChromium();
		context = await browser.newContext();
		context.setDefaultTimeout(10_000);
	}, 60_000);

	afterAll(async () => {
		await context?.close();
		await browser?.close();
		await example?.close();
	});

	/** The session the page keeps in IndexedDB (the example's `storage: 'local'`), read as another script could. */
	function storedTokens(page: Page): Promise<{ accessToken: string; refreshToken?: string } | undefined> {
		return page.evaluate(
			() =>
				new Promise((resolve, reject) => {
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

	async function openSpa(): Promise<Page> {
		const page = await context.newPage();
		await page.goto(example.spaUrl);
		await page.waitForSelector('body[data-ready="true"]');
		return page;
	}

	it('logs in with PKCE, then calls the API on the other origin', async () => {
		const page = await openSpa();
		await page.click('#login');
		await page.waitForURL(`${example.spaUrl}/`);
		await page.waitForSelector('body[data-ready="true"]');
		expect(await page.textContent('#status')).toMatch(/^Logged in/);
		const me = await page.evaluate(() => window.demo.callApi());
		expect(me).toMatchObject({ username: expect.any(String) });
		expect(example.emulator.counters().tokenRequests.authorization_code).toBe(1);
		// The address bar and history no longer hold the code or the state.
		expect(page.url()).toBe(`${example.spaUrl}/`);
		await page.close();
	});

	it('two tabs force a refresh at the same moment -> exactly 1 refresh request, no reuse', async () => {
		const [tab1, tab2] = await Promise.all([openSpa(), openSpa()]);
		expect(await tab1.evaluate(() => window.demo.loggedIn())).toBe(true);
		expect(await tab2.evaluate(() => window.demo.loggedIn())).toBe(true);
		example.emulator.resetCounters();
		// Both tabs start at one agreed instant, not when each evaluate() happens to arrive.
		const at = Date.now() + 300;
		const forceAt = (page: Page) =>
			page.evaluate((start) => new Promise((resolve) => setTimeout(resolve, start - Date.now())).then(() => window.demo.refresh()), at);
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
		const page = await openSpa();
		example.emulator.expireAllTokens();
		example.emulator.resetCounters();
		const results = await page.evaluate(() => Promise.all(Array.from({ length: 10 }, () => window.demo.callApi())));
		expect(results).toHaveLength(10);
		expect(example.emulator.counters().tokenRequests.refresh_token).toBe(1);
		await page.close();
	});

	it('logout revokes at the provider and clears the tab', async () => {
		const page = await openSpa();
		await page.evaluate(() => window.demo.callApi());
		const before = await storedTokens(page);
		expect(before).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
		example.emulator.resetCounters();
		const result = await page.evaluate(() => window.demo.logout());
		expect(result).toEqual({ revoked: true, errors: [] });
		expect(example.emulator.counters().revocations).toBe(2);
		expect(await page.evaluate(() => window.demo.loggedIn())).toBe(false);
		expect(await storedTokens(page)).toBeUndefined();
		// Revoked at the provider, not only forgotten here: the old tokens no longer work anywhere.
		const api = await fetch(`${example.emulator.url}/api/users/@me`, { headers: { authorization: `Bearer ${before!.accessToken}` } });
		expect(api.status).toBe(401);
		const refresh = await fetch(`${example.emulator.url}/oauth2/token`, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before!.refreshToken!, client_id: 'sqowey-spa' }),
		});
		expect(refresh.status).toBe(400);
		expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
		await page.close();
	});
});
