import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import { logInThroughProvider, openSpaPage } from '../_helpers/browsers/spa-page.js';
import type { CallOutcome } from './many-apis-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./many-apis-page.ts', import.meta.url));
/** Longest the calls of one tab may take, in ms: 10 + 10 calls, a refresh under the cross-tab lock, retries on 401. */
const CALLS_TIMEOUT = 30_000;

let script = '';

// The page is the SPA a user's bundler would make: tokenkeeper's sources with the browser build's twins.
beforeAll(async () => {
	script = (await bundlePage(PAGE_SCRIPT)).script;
}, 60_000);

/** One SPA origin on loopback and its emulator (the OAuth2 server, with the APIs `/orders/` and `/billing/`) on another. */
interface ManyApisSpa {
	readonly url: string;
	readonly emulator: Emulator;
	readonly orders: string;
	readonly billing: string;
	close(): Promise<void>;
}

/**
 * A fresh origin per test, so that no test sees another's session in IndexedDB; `accessTokenLifetime` in seconds,
 * `leeway` the page's (ms before expiry that a token counts as expired).
 */
async function startSpa(options: { accessTokenLifetime?: number; leeway?: number } = {}): Promise<ManyApisSpa> {
	let html = '';
	const server = http.createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://x').pathname;
		if (path === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
		else if (path === '/' || path === '/callback') {
			response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
		} else response.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const emulator = await createEmulator({
		providers: ['oauth2'],
		corsOrigins: [url],
		oauth2: options.accessTokenLifetime === undefined ? {} : { accessTokenLifetime: options.accessTokenLifetime },
	});
	const { issuer, publicClientId, resources } = emulator.credentials.oauth2;
	const [orders = '', billing = ''] = resources;
	const config = { issuer, clientId: publicClientId, orders, billing, leeway: options.leeway };
	html = `<!doctype html><html lang="en"><body><button type="button" id="login">Log in</button><pre id="output"></pre>
<script>window.MANY_APIS = ${JSON.stringify(config)};</script><script type="module" src="/page.js"></script></body></html>`;
	return {
		url,
		emulator,
		orders,
		billing,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await emulator.close();
		},
	};
}

/** `count` + `count` concurrent calls from `tab`, started at the instant `at` (ms since the epoch) that every tab agreed on. */
const callBoth = (tab: BrowserTab, count: number, at?: number) =>
	tab.evaluate(([n, start]) => window.manyApis.callBoth(n, start), [count, at] as const, { timeout: CALLS_TIMEOUT });

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Each call's API (the resource its token was issued for, as the API says), or its error. */
const outcomes = (calls: readonly CallOutcome[]) => calls.map((call) => ('error' in call ? call.error : call.resource));

/** `count` + `count` calls all answered, each by the API it was sent to, with a token issued for that API. */
function expectAnswered(calls: readonly CallOutcome[], spa: ManyApisSpa, count: number) {
	expect(outcomes(calls)).toEqual([...Array(count).fill(spa.orders), ...Array(count).fill(spa.billing)]);
}

// The issue asks for this figure in Chromium; the same test runs in every engine the browser tests cover (each with
// Web Locks on a loopback origin), so a browser-specific fault in the stores or the lock shows too.
describe.each(ENGINES)('many APIs, one session, two tabs in $name (RFC 8707, IndexedDB, Web Locks)', (engine) => {
	const suite = useBrowser(engine);
	const started: ManyApisSpa[] = [];

	afterAll(async () => {
		await Promise.all(started.map((spa) => spa.close()));
	});

	/** An SPA logged in once for both APIs in one tab, and a second tab of the same origin, neither having called an API. */
	async function twoTabsJustLoggedIn(options?: Parameters<typeof startSpa>[0]) {
		const spa = await startSpa(options);
		started.push(spa);
		const tab1 = await openSpaPage(suite.browser, spa.url);
		await logInThroughProvider(tab1);
		expect(await tab1.evaluate(() => document.querySelector('#output')?.textContent)).toBe('Logged in.');
		// The second tab has no login of its own: it reads the session the first one stored.
		const tab2 = await openSpaPage(suite.browser, spa.url);
		return { spa, tabs: [tab1, tab2] as const };
	}

	/** {@link twoTabsJustLoggedIn}, then each tab has called both APIs once: both hold both APIs' tokens. */
	async function twoTabsLoggedIn(options?: Parameters<typeof startSpa>[0]) {
		const { spa, tabs } = await twoTabsJustLoggedIn(options);
		expectAnswered(await callBoth(tabs[0], 1), spa, 1);
		// One login for both APIs: the code exchange names orders; billing's token came by refresh.
		expect(spa.emulator.counters().tokenRequests).toMatchObject({ authorization_code: 1, refresh_token: 1 });
		expectAnswered(await callBoth(tabs[1], 1), spa, 1);
		expect(spa.emulator.counters().tokenRequests).toMatchObject({ total: 2, refresh_token: 1 });
		return { spa, tabs };
	}

	/** How many of the calls of both tabs succeeded. */
	const answered = (...tabs: (readonly CallOutcome[])[]) => tabs.flat().filter((call) => !('error' in call)).length;

	/** What the emulator counted since its counters were reset: refreshes (all, per API), reuse, API calls per API. */
	function figures(spa: ManyApisSpa) {
		const counters = spa.emulator.counters();
		const orders = counters.resources[spa.orders]!;
		const billing = counters.resources[spa.billing]!;
		return {
			refreshes: counters.tokenRequests.refresh_token,
			tokenRequests: counters.tokenRequests.total,
			perApi: { orders: orders.tokenRequests.refresh_token, billing: billing.tokenRequests.refresh_token },
			reuse: counters.refreshTokenReuse,
			ok: orders.apiRequests.ok + billing.apiRequests.ok,
			rejected: orders.apiRequests.rejected + billing.apiRequests.rejected,
		};
	}

	it('one login, 20 + 20 calls to two APIs from two tabs after the tokens die -> 2 refreshes (1 per API), 0 refresh-token reuse', async () => {
		const { spa, tabs } = await twoTabsLoggedIn();
		// Every token the emulator issued dies (the switch): each tab still holds both, as a server's revocation leaves them.
		spa.emulator.expireAllTokens();
		spa.emulator.resetCounters();
		// Both tabs start at one agreed instant, not when each evaluate() happens to arrive.
		const at = Date.now() + 300;
		const [first, second] = await Promise.all([callBoth(tabs[0], 10, at), callBoth(tabs[1], 10, at)]);
		const seen = figures(spa);
		console.log(
			`${engine.name}, two tabs, one login, 20 + 20 calls to two APIs after the tokens die: ${plural(seen.refreshes, 'refresh', 'refreshes')} (orders ${seen.perApi.orders}, billing ${seen.perApi.billing}), ${seen.reuse} refresh-token reuse, ${answered(first, second)} of 40 calls succeeded (${seen.rejected} dead-token 401s retried)`,
		);
		expectAnswered(first, spa, 10);
		expectAnswered(second, spa, 10);
		expect(seen).toMatchObject({ refreshes: 2, tokenRequests: 2, perApi: { orders: 1, billing: 1 }, reuse: 0, ok: 40 });
		// Each call's first try had a dead token (the 401 the client retried once, with the API's new token).
		expect(seen.rejected).toBe(40);
		// The session lives on in both tabs.
		expect(await Promise.all(tabs.map((tab) => tab.evaluate(() => window.manyApis.loggedIn())))).toEqual([true, true]);
		await Promise.all(tabs.map((tab) => tab.close()));
	});

	it('the tokens run out of time instead: both tabs see it before calling -> 2 refreshes under the cross-tab lock, 0 reuse, no 401', async () => {
		// Short-lived tokens (long enough for the login and the first calls of both tabs on a loaded machine), and a page
		// that counts a token as expired only when it is (leeway 0): after the wait, every
		// token both tabs hold has expired at the server and in the tabs, and each tab knows it before it calls.
		const lifetime = 10;
		const { spa, tabs } = await twoTabsLoggedIn({ accessTokenLifetime: lifetime, leeway: 0 });
		await new Promise((resolve) => setTimeout(resolve, lifetime * 1_000 + 500));
		spa.emulator.resetCounters();
		const at = Date.now() + 300;
		const [first, second] = await Promise.all([callBoth(tabs[0], 10, at), callBoth(tabs[1], 10, at)]);
		const seen = figures(spa);
		console.log(
			`${engine.name}, two tabs, one login, 20 + 20 calls to two APIs after the tokens expired: ${plural(seen.refreshes, 'refresh', 'refreshes')} (orders ${seen.perApi.orders}, billing ${seen.perApi.billing}), ${seen.reuse} refresh-token reuse, ${answered(first, second)} of 40 calls succeeded (${seen.rejected} 401s)`,
		);
		expectAnswered(first, spa, 10);
		expectAnswered(second, spa, 10);
		// One tab refreshed each API under the lock; the other, waiting for the lock, read the tokens it had stored.
		expect(seen).toMatchObject({ refreshes: 2, tokenRequests: 2, perApi: { orders: 1, billing: 1 }, reuse: 0, ok: 40, rejected: 0 });
		await Promise.all(tabs.map((tab) => tab.close()));
	}, 60_000);

	it("right after the login, both tabs call both APIs at once -> billing's first token by 1 refresh, 0 reuse, no 401", async () => {
		const { spa, tabs } = await twoTabsJustLoggedIn();
		// The code exchange named orders (the first resource): the session has its token, and none for billing yet.
		expect(spa.emulator.counters().tokenRequests).toMatchObject({ total: 1, authorization_code: 1 });
		spa.emulator.resetCounters();
		const at = Date.now() + 300;
		const [first, second] = await Promise.all([callBoth(tabs[0], 10, at), callBoth(tabs[1], 10, at)]);
		const seen = figures(spa);
		console.log(
			`${engine.name}, two tabs right after one login, 20 + 20 calls to two APIs: ${plural(seen.refreshes, 'refresh', 'refreshes')} (orders ${seen.perApi.orders}, billing ${seen.perApi.billing}), ${seen.reuse} refresh-token reuse, ${answered(first, second)} of 40 calls succeeded (${seen.rejected} 401s)`,
		);
		expectAnswered(first, spa, 10);
		expectAnswered(second, spa, 10);
		expect(seen).toMatchObject({ refreshes: 1, tokenRequests: 1, perApi: { orders: 0, billing: 1 }, reuse: 0, ok: 40, rejected: 0 });
		await Promise.all(tabs.map((tab) => tab.close()));
	});
});
