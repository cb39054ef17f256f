import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { type BrowserSession, type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import { PAGE_TIMEOUT } from '../_helpers/browsers/browser.js';
import type { ReactPageProbe } from './react-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./react-page.tsx', import.meta.url));
/** The emulator's user, the `sub` of its ID tokens. */
const USER = 'oauth2-user-1';

let script = '';

// The page is what a user's bundler makes of a React app: the built package (dist/, which vitest's global setup
// builds), found by its name through package.json's exports with the "browser" condition, and React's development
// build, the one whose StrictMode runs every effect twice.
beforeAll(async () => {
	// The built package, not the sources: no twins to apply (the "browser" condition picks the browser build).
	const bundled = await bundlePage(PAGE_SCRIPT, { plugins: [], jsx: 'automatic', define: { 'process.env.NODE_ENV': '"development"' } });
	const { inputs } = bundled;
	// A user's bundle: the package's browser build, one copy of it, and nothing of src/.
	if (!inputs.includes('dist/index.browser.js') || !inputs.includes('dist/react.js') || inputs.some((input) => input.startsWith('src/')))
		throw new Error(`The page did not bundle the built package: ${inputs.filter((input) => !input.includes('node_modules')).join(', ')}`);
	script = bundled.script;
}, 60_000);

/** One SPA origin on loopback, serving the page at every path, and its emulator (the OAuth2 server) on another. */
async function startSpa(): Promise<{ url: string; emulator: Emulator; close(): Promise<void> }> {
	let html = '';
	const server = http.createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://x').pathname;
		if (path === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
		else if (path === '/favicon.ico') response.writeHead(404).end();
		else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const emulator = await createEmulator({ providers: ['oauth2'], corsOrigins: [url] });
	const { issuer, publicClientId, resources } = emulator.credentials.oauth2;
	const config = { issuer, clientId: publicClientId, api: `${emulator.url}/orders/`, resource: resources[0] };
	html = `<!doctype html><html lang="en"><body><div id="root"></div>
<script>window.REACT_PAGE = ${JSON.stringify(config)};</script><script type="module" src="/page.js"></script></body></html>`;
	return {
		url,
		emulator,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await emulator.close();
		},
	};
}

/** What the page shows. */
interface Shown {
	readonly url: string;
	readonly status: string;
	readonly user: string;
	readonly errorCode: string;
	readonly error: string;
	readonly apiResult: string;
	readonly effects: ReactPageProbe['effects'];
}

function shown(tab: BrowserTab): Promise<Shown> {
	return tab.evaluate(() => {
		const text = (id: string) => document.getElementById(id)?.textContent ?? '';
		return {
			url: location.href,
			status: text('status'),
			user: text('user'),
			errorCode: text('error-code'),
			error: text('error'),
			apiResult: text('api-result'),
			effects: { ...window.reactPage.effects },
		};
	});
}

/** A new tab at `path`, once React has mounted the app and the session has been read (not `loading`). */
async function openPage(browser: BrowserSession, url: string): Promise<BrowserTab> {
	const tab = await browser.openTab(url);
	await tab.waitFor(() => document.body.dataset.ready === 'true' && document.getElementById('status')?.textContent !== 'loading');
	return tab;
}

/**
 * Click "Log in" and wait until the provider has sent the tab back, the callback is done (`signed-in` or `error`) and
 * the address is no longer the callback's. The page before the click is marked, so that it cannot pass for the page
 * after the round trip. Two page loads and a code exchange: one and a half pages' time, as logInThroughProvider allows.
 */
async function logIn(tab: BrowserTab): Promise<Shown> {
	await tab.evaluate(() => {
		(window as { beforeLogin?: boolean }).beforeLogin = true;
	});
	await tab.click('#login');
	await waitForSettled(tab, PAGE_TIMEOUT * 2);
	return shown(tab);
}

/** Wait until a fresh page load has a settled session, away from the callback's address. */
async function waitForSettled(tab: BrowserTab, timeout: number): Promise<void> {
	try {
		await tab.waitFor(
			() =>
				!('beforeLogin' in window) &&
				location.pathname !== '/callback' &&
				['signed-in', 'error'].includes(document.getElementById('status')?.textContent ?? ''),
			{ timeout },
		);
	} catch (error) {
		const where = await shown(tab).then(JSON.stringify, (reason: unknown) => `unknown (${String(reason)})`);
		throw new Error(`The login did not come back: the tab shows ${where}`, { cause: error });
	}
}

// Each engine gets its own SPA origin and emulator (its counters count its own requests). Each case opens its own tabs,
// from a signed-out session, and closes them.
describe.each(ENGINES)('tokenkeeper/react in $name, React 19 in StrictMode', (engine) => {
	const suite = useBrowser(engine);
	let spa: Awaited<ReturnType<typeof startSpa>>;
	const tabs: BrowserTab[] = [];

	beforeAll(async () => {
		spa = await startSpa();
	}, 60_000);

	afterAll(async () => {
		await spa?.close();
	});

	beforeEach(() => {
		if (!suite.running) return;
		spa.emulator.clearFaults();
		spa.emulator.setConsent('allow');
		return async () => {
			for (const tab of tabs.splice(0)) await tab.close().catch(() => undefined);
		};
	});

	/** A tab at `path`, signed out, with the emulator's counters reset. */
	async function signedOutTab(path: string): Promise<BrowserTab> {
		const tab = await openPage(suite.browser, `${spa.url}${path}`);
		tabs.push(tab);
		await tab.evaluate(() => window.reactPage.clear());
		await tab.reload();
		await tab.waitFor(() => document.getElementById('status')?.textContent === 'signed-out');
		spa.emulator.resetCounters();
		return tab;
	}

	/** Another tab of the same origin. */
	async function otherTab(path: string): Promise<BrowserTab> {
		const tab = await openPage(suite.browser, `${spa.url}${path}`);
		tabs.push(tab);
		return tab;
	}

	it('one code exchange per login although StrictMode runs the callback effect twice; back at the start page, without code or state', async () => {
		const tab = await signedOutTab('/orders?tab=2#list');
		const after = await logIn(tab);
		expect(after).toMatchObject({ status: 'signed-in', user: USER, errorCode: '' });
		// The page the login started from, query and fragment included: nothing of the authorization response is left.
		expect(after.url).toBe(`${spa.url}/orders?tab=2#list`);
		// StrictMode (development build) ran the Provider's effect twice on the callback page, and the App's mount effect.
		expect(after.effects).toEqual({ provider: 2, app: 2 });
		expect(spa.emulator.counters().tokenRequests).toMatchObject({ total: 1, authorization_code: 1 });
	});

	it('useClient calls the API with the session: one token request beyond the login (the API’s token, from the refresh token)', async () => {
		const tab = await signedOutTab('/');
		expect(await logIn(tab)).toMatchObject({ status: 'signed-in', user: USER });
		await tab.click('#call-api');
		await tab.waitFor(() => document.getElementById('api-result')?.textContent !== '');
		expect((await shown(tab)).apiResult).toBe(`ok ${USER}`);
		const counters = spa.emulator.counters();
		expect(counters.tokenRequests).toMatchObject({ total: 2, authorization_code: 1, refresh_token: 1 });
		expect(counters.apiRequests).toEqual({ total: 1, ok: 1, rejected: 0 });
		// A second call reuses the API's token.
		await tab.click('#call-api');
		await expect.poll(() => spa.emulator.counters().apiRequests.ok, { timeout: PAGE_TIMEOUT }).toBe(2);
		expect(spa.emulator.counters().tokenRequests.total).toBe(2);
	});

	it('a second tab of the origin is signed in as the same user, without a login or any token request', async () => {
		const tab = await signedOutTab('/');
		expect(await logIn(tab)).toMatchObject({ status: 'signed-in', user: USER });
		const second = await otherTab('/');
		expect(await shown(second)).toMatchObject({ status: 'signed-in', user: USER, effects: { provider: 0, app: 2 } });
		expect(spa.emulator.counters().tokenRequests).toMatchObject({ total: 1, authorization_code: 1 });
	});

	it('a logout in one tab shows signed-out in the other, without a reload; the tokens are revoked', async () => {
		const tab = await signedOutTab('/');
		expect(await logIn(tab)).toMatchObject({ status: 'signed-in', user: USER });
		const second = await otherTab('/');
		expect(await shown(second)).toMatchObject({ status: 'signed-in', user: USER });
		await second.evaluate(() => {
			(window as { sameLoad?: boolean }).sameLoad = true;
		});
		await tab.click('#logout');
		await second.waitFor(() => document.getElementById('status')?.textContent === 'signed-out');
		expect(await second.evaluate(() => 'sameLoad' in window)).toBe(true);
		expect(await shown(second)).toMatchObject({ status: 'signed-out', user: '' });
		await tab.waitFor(() => document.getElementById('status')?.textContent === 'signed-out');
		expect(await tab.url()).toBe(`${spa.url}/`);
		expect(spa.emulator.counters().revocations).toBeGreaterThan(0);
	});

	it('a reload while the code exchange hangs: no second exchange (the attempt is single use), state_mismatch, the address cleaned; the next login works', async () => {
		const tab = await signedOutTab('/orders?tab=5');
		spa.emulator.injectFault({ kind: 'hang' }, { times: 1 });
		await tab.evaluate(() => {
			(window as { beforeLogin?: boolean }).beforeLogin = true;
		});
		await tab.click('#login');
		await tab.waitFor(() => location.pathname === '/callback' && document.getElementById('status')?.textContent === 'loading', {
			timeout: PAGE_TIMEOUT * 2,
		});
		// The exchange is at the token endpoint, held there.
		await expect.poll(() => spa.emulator.counters().faultsServed, { timeout: PAGE_TIMEOUT }).toBe(1);
		await tab.reload();
		await waitForSettled(tab, PAGE_TIMEOUT);
		const reloaded = await shown(tab);
		expect(reloaded).toMatchObject({ status: 'error', errorCode: 'ERR_AUTHORIZATION_RESPONSE', error: 'state_mismatch', user: '' });
		expect(reloaded.url).toBe(`${spa.url}/orders?tab=5`);
		// The held request is the only one the token endpoint saw: the reload sent the code nowhere.
		expect(spa.emulator.counters()).toMatchObject({ faultsServed: 1, tokenRequests: { total: 0, authorization_code: 0 } });
		// Settled: it stays so (no loop of page loads, no retry).
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(await shown(tab)).toMatchObject({ status: 'error', url: `${spa.url}/orders?tab=5` });

		spa.emulator.clearFaults();
		const again = await logIn(tab);
		expect(again).toMatchObject({ status: 'signed-in', user: USER, errorCode: '', url: `${spa.url}/orders?tab=5` });
		// Two requests at the token endpoint in all: the held one and this login's.
		expect(spa.emulator.counters()).toMatchObject({ faultsServed: 1, tokenRequests: { total: 1, authorization_code: 1 } });
	});

	it('a login the user denies: status error with access_denied, no code exchange, the address cleaned', async () => {
		const tab = await signedOutTab('/orders?tab=6');
		spa.emulator.setConsent('deny');
		const after = await logIn(tab);
		expect(after).toMatchObject({ status: 'error', errorCode: 'ERR_AUTHORIZATION_RESPONSE', error: 'access_denied', user: '' });
		expect(after.url).toBe(`${spa.url}/orders?tab=6`);
		expect(spa.emulator.counters().tokenRequests.total).toBe(0);
	});

	it('another OAuth callback on another route (isCallback narrowed to /callback): left alone, no exchange, the address kept', async () => {
		await signedOutTab('/');
		const elsewhere = `${spa.url}/integrations/github?code=not-ours&state=theirs`;
		const tab = await otherTab('/integrations/github?code=not-ours&state=theirs');
		expect(await shown(tab)).toMatchObject({ status: 'signed-out', errorCode: '', url: elsewhere, effects: { provider: 0, app: 2 } });
		expect(spa.emulator.counters().tokenRequests.total).toBe(0);
	});
});
