import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import type { PopupOutcome } from './popup-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./popup-page.ts', import.meta.url));

/**
 * Two loopback origins: the app on 127.0.0.1 (opener and callback page) and a provider on localhost, whose login
 * page redirects back to the callback at once, or, with `coop`, first sends COOP `same-origin`, which puts the popup
 * in a new browsing context group: the opener link is cut both ways, as at the providers that broke MSAL's popups.
 * Both are potentially trustworthy origins, so every engine honours COOP on them.
 */
let app: http.Server | undefined;
let provider: http.Server | undefined;
let appUrl = '';
let providerUrl = '';

function listen(server: http.Server, host: string): Promise<string> {
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
	const script = (await bundlePage(PAGE_SCRIPT)).script;
	app = http.createServer((request, response) => {
		if (request.url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
		else
			response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><body><script type="module" src="/page.js"></script>');
	});
	provider = http.createServer((request, response) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		const back = new URL(url.searchParams.get('redirect_uri') ?? 'about:blank');
		back.search = new URLSearchParams({ code: 'the-code', state: url.searchParams.get('state') ?? '' }).toString();
		const headers: Record<string, string> = { 'content-type': 'text/html' };
		if (url.searchParams.has('coop')) headers['cross-origin-opener-policy'] = 'same-origin';
		// `stay`: a login page the user never gets through.
		if (url.searchParams.has('stay')) return void response.writeHead(200, headers).end('<!doctype html><p>login</p>');
		// A page, not a 302: COOP takes effect on the document the popup shows, as on a real login page.
		response
			.writeHead(200, headers)
			.end(`<!doctype html><p>login</p><script>setTimeout(() => location.replace(${JSON.stringify(back.href)}), 100)</script>`);
	});
	appUrl = await listen(app, '127.0.0.1');
	providerUrl = await listen(provider, 'localhost');
}, 60_000);

afterAll(async () => {
	for (const server of [app, provider]) {
		server?.closeAllConnections();
		await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
	}
});

describe.each(ENGINES)('popup login transport in $name', (engine) => {
	const suite = useBrowser(engine);

	async function logIn(
		query: string,
		user?: (tab: BrowserTab) => Promise<void>,
	): Promise<PopupOutcome & { openerInPopup: boolean | null }> {
		const tab = await suite.browser.openTab(`${appUrl}/?provider=${encodeURIComponent(providerUrl)}${query}`);
		try {
			await tab.click('#login');
			await user?.(tab);
			await tab.waitFor(() => window.popupOutcome !== undefined, { timeout: 15_000 });
			const outcome = await tab.evaluate(() => window.popupOutcome!);
			if (outcome.error) return { ...outcome, openerInPopup: null };
			// Whether the callback page in the popup still had its opener (false: the link was cut).
			await tab.waitFor(() => localStorage.getItem('opener-in-popup') !== null);
			return { ...outcome, openerInPopup: await tab.evaluate(() => localStorage.getItem('opener-in-popup') === 'true') };
		} finally {
			await tab.close();
		}
	}

	it('opener link intact: the callback URL reaches the opener', async () => {
		const outcome = await logIn('');
		console.log(`${engine.name}, no COOP: opener in the popup ${outcome.openerInPopup}, popup seen closed ${outcome.sawClosed}`);
		expect(outcome.error).toBeUndefined();
		expect(outcome.url).toBe(`${appUrl}/callback?code=the-code&state=${outcome.state}`);
		// The popup closes itself just after posting: the opener may see it closed before the message (the grace's reason).
		expect(outcome.openerInPopup).toBe(true);
	});

	it('COOP same-origin on the login page (link cut, closeDetection false): the result still comes by BroadcastChannel', async () => {
		const outcome = await logIn('&coop');
		console.log(`${engine.name}, COOP: opener in the popup ${outcome.openerInPopup}, popup seen closed ${outcome.sawClosed}`);
		expect(outcome.error).toBeUndefined();
		expect(outcome.url).toBe(`${appUrl}/callback?code=the-code&state=${outcome.state}`);
		// The link really was cut: no postMessage could have carried it.
		expect(outcome).toMatchObject({ openerInPopup: false, sawClosed: true });
	});

	it('the user closes the popup on the login page: PopupError closed, within the poll and the 1 s grace', async () => {
		const outcome = await logIn('&stay', async (tab) => {
			await tab.waitFor(() => window.popupWindow !== undefined);
			await new Promise((resolve) => setTimeout(resolve, 300));
			await tab.evaluate(() => window.popupWindow!.close());
		});
		expect(outcome).toMatchObject({ error: 'closed', sawClosed: true });
		expect(outcome.url).toBeUndefined();
	});
});
