import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { PAGE_TIMEOUT } from '../_helpers/browsers/browser.js';
import { ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import { openSpaPage } from '../_helpers/browsers/spa-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./openid-popup-page.ts', import.meta.url));
/** The emulator's user, the `sub` of its ID tokens. */
const USER = 'oauth2-user-1';

let script = '';

// The page is the SPA a user's bundler would make: tokenkeeper's sources with the browser build's twins.
beforeAll(async () => {
	script = (await bundlePage(PAGE_SCRIPT)).script;
}, 60_000);

/**
 * One SPA origin on loopback (the opener at `/`, the popup's redirect URI page at `/callback`) and its emulator (the
 * OAuth2 server, an OpenID Provider) on another. The emulator's authorization endpoint consents at once and redirects
 * the popup back: the login is the popup's own navigation, nothing driven in it by the test.
 */
async function startSpa(): Promise<{ url: string; emulator: Emulator; close(): Promise<void> }> {
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
	const emulator = await createEmulator({ providers: ['oauth2'], corsOrigins: [url] });
	const { issuer, publicClientId } = emulator.credentials.oauth2;
	html = `<!doctype html><html lang="en"><body><button type="button" id="login">Log in</button>
<script>window.OPENID = ${JSON.stringify({ issuer, clientId: publicClientId })};</script><script type="module" src="/page.js"></script></body></html>`;
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

describe.each(ENGINES)('OpenID Connect login with a popup in $name (loginWithPopup, the emulator)', (engine) => {
	const suite = useBrowser(engine);
	let spa: Awaited<ReturnType<typeof startSpa>>;

	beforeAll(async () => {
		spa = await startSpa();
	}, 60_000);

	afterAll(async () => {
		await spa?.close();
	});

	it('a real click opens the popup, which goes through the authorization endpoint to handlePopupCallback(); the opener exchanges the code once and checks the ID token', async () => {
		spa.emulator.resetCounters();
		const tab = await openSpaPage(suite.browser, spa.url);
		try {
			// A real click through the driver: its user activation is what lets window.open make the popup.
			await tab.click('#login');
			// The popup's round trip (two page loads) and the exchange, with the JWKS fetched: one and a half pages' time.
			await tab.waitFor(() => window.openidPopup.outcome !== undefined, { timeout: PAGE_TIMEOUT * 1.5 });
			expect(await tab.evaluate(() => window.openidPopup.outcome)).toEqual({ ok: { idToken: true, scope: 'openid offline_access' } });
			// Checked here, in the opener: one Web Crypto verification of the emulator's RS256 signature.
			expect(await tab.evaluate(() => window.openidPopup.verified)).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: true }]);
			expect(await tab.evaluate(() => window.openidPopup.user())).toMatchObject({ sub: USER, iss: spa.emulator.url });
			expect(spa.emulator.counters()).toMatchObject({
				tokenRequests: { total: 1, authorization_code: 1 },
				oidc: { idTokens: 1, faultsServed: 0 },
			});
			// The opener stays where it was: the login was the popup's, not a redirect of this tab.
			expect(new URL(await tab.url()).pathname).toBe('/');
		} finally {
			await tab.close();
		}
	}, 40_000);
});
