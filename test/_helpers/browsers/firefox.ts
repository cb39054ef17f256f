import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import { type BrowserEngine, type BrowserSession, type BrowserTab, PAGE_TIMEOUT, pageTab } from './browser.js';

/** Debian's Firefox ESR: never a downloaded browser. */
export const FIREFOX = '/usr/bin/firefox-esr';

/**
 * The tests talk only to 127.0.0.1, and so does Firefox. At start it looks up its Remote Settings host: release builds
 * ignore `services.settings.server` (which puppeteer points at a dummy host) unless MOZ_REMOTE_SETTINGS_DEVTOOLS is
 * set, so launch() sets it and the server is a closed loopback port. Any other request that is not for loopback goes
 * to a proxy on 127.0.0.1 that is not there, and fails at once without a name being looked up.
 */
const STAY_ON_LOOPBACK = {
	'services.settings.server': 'http://127.0.0.1:9/v1',
	'network.proxy.type': 1,
	'network.proxy.http': '127.0.0.1',
	'network.proxy.http_port': 9,
	'network.proxy.ssl': '127.0.0.1',
	'network.proxy.ssl_port': 9,
	'network.proxy.allow_hijacking_localhost': false,
	// Without it, a request the proxy fails is sent again directly.
	'network.proxy.failover_direct': false,
	'network.dns.disablePrefetch': true,
};

function tabOf(page: Page): BrowserTab {
	return pageTab(page, 'Firefox', async (selector, timeout) => {
		await page.locator(selector).setTimeout(timeout).click();
	});
}

/** Debian's Firefox ESR through puppeteer-core, over WebDriver BiDi. */
export const firefoxEngine: BrowserEngine = {
	name: 'firefox',
	label: 'Firefox ESR (puppeteer-core, WebDriver BiDi)',
	install: ".ci/run installs Debian's firefox-esr with apt-get",
	missing: () => (existsSync(FIREFOX) ? undefined : FIREFOX),
	async launch(): Promise<BrowserSession> {
		// puppeteer gives Firefox a fresh profile whose preferences turn off updates, telemetry and other background
		// traffic, and deletes it on close; with executablePath it never downloads a browser.
		const browser = await puppeteer.launch({
			browser: 'firefox',
			executablePath: FIREFOX,
			headless: true,
			timeout: 30_000,
			protocolTimeout: 30_000,
			extraPrefsFirefox: STAY_ON_LOOPBACK,
			env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
		});
		try {
			const context = browser.defaultBrowserContext();
			return {
				version: `Firefox ${(await browser.version()).replace(/^firefox\//, '')}`,
				async openTab(url) {
					// A window, not a tab: Firefox hides a background tab and delays its timers to at least 1 s.
					const page = await context.newPage({ type: 'window' });
					page.setDefaultTimeout(PAGE_TIMEOUT);
					await page.goto(url);
					return tabOf(page);
				},
				async close() {
					await browser.close();
				},
			};
		} catch (error) {
			await browser.close();
			throw error;
		}
	},
};
