import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import { type OpenIdProvider, startOpenIdProvider } from '../_helpers/oidc-provider.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./oidc-provider-page.ts', import.meta.url));

let script = '';
let page: http.Server | undefined;
let pageUrl = '';
let op: OpenIdProvider | undefined;

/**
 * The SPA's origin on loopback (its one page at `/`, its redirect URI `/callback`, which the test never loads: Node
 * follows the login and hands the callback URL to the page) and panva's oidc-provider on another origin, with the
 * page's redirect URI registered for the SPA client: oidc-provider's default `clientBasedCORS` lets that origin call
 * the token endpoint; discovery and the JWKS are open to any origin.
 */
beforeAll(async () => {
	script = (await bundlePage(PAGE_SCRIPT)).script;
	let html = '';
	page = http.createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://x').pathname;
		if (path === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
		else if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
		else response.writeHead(404).end();
	});
	await new Promise<void>((resolve) => page!.listen(0, '127.0.0.1', resolve));
	pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
	const redirectUri = `${pageUrl}/callback`;
	op = await startOpenIdProvider({ spaRedirectUris: [redirectUri] });
	const config = { issuer: op.issuer, clientId: op.clients.spa.clientId, redirectUri };
	html = `<!doctype html><html lang="en"><body><script>window.OP = ${JSON.stringify(config)};</script><script type="module" src="/page.js"></script></body></html>`;
}, 60_000);

afterAll(async () => {
	await op?.close();
	page?.closeAllConnections();
	await new Promise((resolve) => (page ? page.close(resolve) : resolve(undefined)));
});

describe.each(ENGINES)(
	'OpenID Connect against oidc-provider (OpenID Certified) in $name: its ID token checked in the browser',
	(engine) => {
		const suite = useBrowser(engine);

		/** A fresh tab of the SPA (a fresh flow: nothing kept, no JWKS cached), with the provider's counters reset. */
		async function freshTab(): Promise<BrowserTab> {
			op!.resetCounters();
			const tab = await suite.browser.openTab(pageUrl);
			await tab.waitFor(() => document.body.dataset.ready === 'true');
			return tab;
		}

		/** The page's authorization URL, followed by Node through oidc-provider's login and consent: the callback URL. */
		async function logInFromNode(tab: BrowserTab): Promise<{ authorizationUrl: URL; callbackUrl: URL }> {
			const authorizationUrl = new URL(await tab.evaluate(() => window.oidcProvider.authorize()));
			return { authorizationUrl, callbackUrl: await op!.login(authorizationUrl.href) };
		}

		it("a login with openid: the page's nonce sent, the callback handled in the page, oidc-provider's RS256 ID token checked with Web Crypto, getUser() its user", async () => {
			const tab = await freshTab();
			try {
				const { authorizationUrl, callbackUrl } = await logInFromNode(tab);
				const nonce = authorizationUrl.searchParams.get('nonce');
				expect(nonce).toMatch(/^[\w-]{32,}$/);
				expect(`${callbackUrl.origin}${callbackUrl.pathname}`).toBe(`${pageUrl}/callback`);
				expect(await tab.evaluate((url) => window.oidcProvider.callback(url), callbackUrl.href)).toEqual({ ok: { idToken: true } });
				expect(await tab.evaluate(() => window.oidcProvider.verified)).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: true }]);
				expect(await tab.evaluate(() => window.oidcProvider.user())).toMatchObject({
					sub: op!.user,
					iss: op!.issuer,
					aud: op!.clients.spa.clientId,
					nonce,
				});
				expect(await tab.evaluate(() => window.oidcProvider.token())).toEqual({ ok: expect.any(String) });
				// Cross-origin from the page, each answered (a CORS refusal would be status 0): the token endpoint and the JWKS.
				const requests = await tab.evaluate(() => window.oidcProvider.requests);
				expect(requests).toContainEqual({ method: 'POST', path: '/token', status: 200 });
				expect(requests).toContainEqual({ method: 'GET', path: '/jwks', status: 200 });
				expect(op!.counters().tokenRequests).toMatchObject({ total: 1, byGrant: { authorization_code: 1 } });
				expect(op!.counters().serverErrors).toEqual([]);
			} finally {
				await tab.close();
			}
		});

		it('the token answer\'s id_token with a changed claim (rewritten by the page\'s fetch): IdTokenError check "signature", and nothing kept', async () => {
			const tab = await freshTab();
			try {
				const { callbackUrl } = await logInFromNode(tab);
				await tab.evaluate(() => window.oidcProvider.tamper());
				const outcome = await tab.evaluate((url) => window.oidcProvider.callback(url), callbackUrl.href);
				expect(outcome).toEqual({ error: { name: 'IdTokenError', code: 'ERR_ID_TOKEN', check: 'signature', message: expect.any(String) } });
				// The error never holds the token (a JWS's header starts `eyJ`).
				expect(JSON.stringify(outcome)).not.toMatch(/eyJ/);
				// Verified with Web Crypto over oidc-provider's key, and refused.
				expect(await tab.evaluate(() => window.oidcProvider.verified)).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: false }]);
				expect(await tab.evaluate(() => window.oidcProvider.user())).toBeUndefined();
				expect(await tab.evaluate(() => window.oidcProvider.token())).toMatchObject({ error: { code: 'ERR_LOGIN_REQUIRED' } });
				expect(op!.counters().tokenRequests).toMatchObject({ total: 1, byGrant: { authorization_code: 1 } });
			} finally {
				await tab.close();
			}
		});
	},
);
