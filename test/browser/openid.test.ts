import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type IdTokenFault } from '../../src/testing/index.js';
import { type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import { logInThroughProvider, openSpaPage } from '../_helpers/browsers/spa-page.js';
import type { PageLoad } from './openid-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./openid-page.ts', import.meta.url));
/** The emulator's user, the `sub` of its ID tokens. */
const USER = 'oauth2-user-1';

let script = '';

// The page is the SPA a user's bundler would make: tokenkeeper's sources with the browser build's twins.
beforeAll(async () => {
	script = (await bundlePage(PAGE_SCRIPT)).script;
}, 60_000);

/** One SPA origin on loopback and its emulator (the OAuth2 server, an OpenID Provider) on another. */
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

// Each engine gets its own SPA origin and emulator (its counters count its own requests) and one tab, reused by every
// case: each login is a real redirect through the emulator's authorization endpoint, so each callback is a fresh page
// load, with a fresh JWKS cache, as it is for a user.
describe.each(ENGINES)('OpenID Connect in $name: the ID token checked in the browser (Web Crypto)', (engine) => {
	const suite = useBrowser(engine);
	let spa: Awaited<ReturnType<typeof startSpa>>;
	let tab: BrowserTab | undefined;

	beforeAll(async () => {
		spa = await startSpa();
	}, 60_000);

	afterAll(async () => {
		await tab?.close().catch(() => undefined);
		await spa?.close();
	});

	/** The engine's one tab, signed out, with the emulator's counters and faults reset. */
	async function signedOutTab(): Promise<BrowserTab> {
		tab ??= await openSpaPage(suite.browser, spa.url);
		await tab.evaluate(() => window.openid.clear());
		spa.emulator.clearFaults();
		spa.emulator.resetCounters();
		return tab;
	}

	/** A login through the emulator's pages: what the callback's page load did. */
	async function logIn(page: BrowserTab): Promise<PageLoad> {
		await logInThroughProvider(page);
		return page.evaluate(() => window.openid.load());
	}

	beforeEach(() => {
		if (suite.running) spa.emulator.clearFaults();
	});

	it("a login with openid: the page's nonce in the authorization URL, the ID token checked with Web Crypto, getUser() the user", async () => {
		const page = await signedOutTab();
		const load = await logIn(page);
		expect(load.callback).toEqual({ ok: { kid: expect.any(String) } });
		const nonce = new URL(load.authorizationUrl!).searchParams.get('nonce');
		expect(nonce).toMatch(/^[\w-]{32,}$/);
		expect(new URL(load.authorizationUrl!).searchParams.get('scope')).toBe('openid offline_access');
		// Checked here: one Web Crypto verification of the emulator's RS256 signature, over the JWKS fetched once.
		expect(load.verified).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: true }]);
		expect(load.jwksFetches).toBe(1);
		expect(await page.evaluate(() => window.openid.user())).toMatchObject({ sub: USER, nonce, iss: spa.emulator.url });
		expect(await page.evaluate(() => window.openid.token())).toEqual({ ok: expect.any(String) });
		expect(spa.emulator.counters().oidc).toMatchObject({ idTokens: 1, faultsServed: 0 });
		// The user survives a reload (kept with the session in IndexedDB), and a refresh whose new ID token is checked too.
		await page.reload();
		await page.waitFor(() => document.body.dataset.ready === 'true');
		expect(await page.evaluate(() => window.openid.user())).toMatchObject({ sub: USER, nonce });
		expect(await page.evaluate(() => window.openid.token(true))).toEqual({ ok: expect.any(String) });
		const refreshed = await page.evaluate(() => window.openid.load());
		expect(refreshed.verified).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: true }]);
		expect(await page.evaluate(() => window.openid.user())).toMatchObject({ sub: USER });
		expect(spa.emulator.counters()).toMatchObject({ tokenRequests: { authorization_code: 1, refresh_token: 1 }, oidc: { idTokens: 2 } });
	});

	// Each attack on the login's ID token, as the emulator serves it, and the error the page gets.
	it.each<[IdTokenFault, string, string]>([
		['claim-changed', 'signature', 'a claim changed after signing'],
		['wrong-nonce', 'nonce', "another login's ID token"],
		['wrong-iss', 'iss', "another provider's token"],
		['wrong-aud', 'aud', 'issued to another client'],
		['other-azp', 'azp', 'several audiences, issued to another of them'],
		['expired', 'exp', 'expired'],
		['issued-in-future', 'iat', 'issued 10 minutes in the future'],
		['bad-at-hash', 'at_hash', 'paired with another access token'],
		['alg-none', 'alg', 'unsigned (alg none)'],
		['foreign-key', 'signature', 'signed with a key not in the JWKS, under its kid'],
	])('ID token fault %s -> IdTokenError check %s (%s), and nothing kept', async (fault, check) => {
		const page = await signedOutTab();
		spa.emulator.injectIdTokenFault(fault);
		const load = await logIn(page);
		expect(load.callback).toEqual({ error: { name: 'IdTokenError', code: 'ERR_ID_TOKEN', check, message: expect.any(String) } });
		// The error never holds the token (a JWS's header starts `eyJ`).
		expect(JSON.stringify(load.callback)).not.toMatch(/eyJ/);
		// An unsigned token is refused before any key is used; a signed one was verified (and failed, for signature).
		if (fault === 'alg-none') expect(load.verified).toEqual([]);
		if (check === 'signature') expect(load.verified).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: false }]);
		expect(await page.evaluate(() => window.openid.user())).toBeUndefined();
		expect(await page.evaluate(() => window.openid.token())).toMatchObject({ error: { code: 'ERR_LOGIN_REQUIRED' } });
		// One code exchange, and nothing after it: the refused answer left no refresh token to use.
		expect(spa.emulator.counters()).toMatchObject({ tokenRequests: { total: 1, authorization_code: 1 }, oidc: { faultsServed: 1 } });
	});

	it('ID token fault unknown-kid (the provider rotated its key): the login succeeds, the JWKS fetched again lists the new kid', async () => {
		const page = await signedOutTab();
		const before = await logIn(page);
		expect(before.callback).toEqual({ ok: { kid: expect.any(String) } });
		await page.evaluate(() => window.openid.clear());
		spa.emulator.injectIdTokenFault('unknown-kid');
		const after = await logIn(page);
		// Signed under a new kid, which the JWKS the callback page fetched (once) holds.
		expect(after.callback).toEqual({ ok: { kid: expect.any(String) } });
		expect('ok' in after.callback! && 'ok' in before.callback! && after.callback.ok.kid !== before.callback.ok.kid).toBe(true);
		expect(after.jwksFetches).toBe(1);
		expect(after.verified).toEqual([{ algorithm: 'RSASSA-PKCS1-v1_5', valid: true }]);
		expect(await page.evaluate(() => window.openid.user())).toMatchObject({ sub: USER });
	});

	it("a refresh whose ID token names another user (other-sub) -> check sub; the login's user and tokens stay", async () => {
		const page = await signedOutTab();
		expect((await logIn(page)).callback).toMatchObject({ ok: {} });
		const token = await page.evaluate(() => window.openid.token());
		spa.emulator.injectIdTokenFault('other-sub');
		expect(await page.evaluate(() => window.openid.token(true))).toMatchObject({
			error: { name: 'IdTokenError', code: 'ERR_ID_TOKEN', check: 'sub' },
		});
		expect(await page.evaluate(() => window.openid.user())).toMatchObject({ sub: USER });
		expect(await page.evaluate(() => window.openid.token())).toEqual(token);
		expect(spa.emulator.counters()).toMatchObject({ tokenRequests: { refresh_token: 1 }, oidc: { faultsServed: 1 } });
	});

	it("fetchUserInfo(): the user's sub; a userinfo answer for another sub -> check sub", async () => {
		const page = await signedOutTab();
		expect((await logIn(page)).callback).toMatchObject({ ok: {} });
		expect(await page.evaluate(() => window.openid.userinfo())).toEqual({ ok: USER });
		spa.emulator.injectUserinfoFault('other-sub');
		expect(await page.evaluate(() => window.openid.userinfo())).toMatchObject({
			error: { name: 'IdTokenError', code: 'ERR_ID_TOKEN', check: 'sub' },
		});
		expect(spa.emulator.counters().oidc.faultsServed).toBe(1);
		// The next answer is the user's again: the session is untouched.
		expect(await page.evaluate(() => window.openid.userinfo())).toEqual({ ok: USER });
	});

	it('a logout in one tab (storage local) reaches the other: signed-out with otherTab, then login required without a token request', async () => {
		const page = await signedOutTab();
		expect((await logIn(page)).callback).toMatchObject({ ok: {} });
		const other = await openSpaPage(suite.browser, spa.url);
		try {
			// The other tab holds the session near (its last token), as a tab that has been calling an API does.
			expect(await other.evaluate(() => window.openid.token())).toEqual({ ok: expect.any(String) });
			expect(await other.evaluate(() => window.openid.user())).toMatchObject({ sub: USER });
			spa.emulator.resetCounters();
			const logout = await page.evaluate(() => window.openid.logout());
			expect(logout).toMatchObject({ revoked: true, endSession: { client_id: expect.any(String), id_token_hint: expect.any(String) } });
			await other.waitFor(() => window.openid.events.some((event) => event.type === 'signed-out'));
			expect(await other.evaluate(() => window.openid.events)).toEqual([{ type: 'signed-out', otherTab: true }]);
			expect(await page.evaluate(() => window.openid.events.filter((event) => event.type === 'signed-out'))).toEqual([
				{ type: 'signed-out', otherTab: false },
			]);
			expect(await other.evaluate(() => window.openid.token())).toMatchObject({ error: { code: 'ERR_LOGIN_REQUIRED' } });
			expect(await other.evaluate(() => window.openid.user())).toBeUndefined();
			expect(spa.emulator.counters().tokenRequests.total).toBe(0);
		} finally {
			await other.close();
		}
	});
});
