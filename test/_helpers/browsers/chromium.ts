import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { type BrowserEngine, type BrowserSession, type BrowserTab, PAGE_TIMEOUT, pageTab } from './browser.js';

/** Debian's Chromium: never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
// No sandbox: CI runs as root, where Chromium refuses its sandbox. No background networking or component updates:
// the tests talk only to 127.0.0.1.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

function tabOf(page: Page): BrowserTab {
	return pageTab(page, 'Chromium', (selector, timeout) => page.click(selector, { timeout }));
}

/** Debian's Chromium through playwright-core (Chrome DevTools Protocol). */
export const chromiumEngine: BrowserEngine = {
	name: 'chromium',
	label: 'Chromium (playwright-core)',
	install: ".ci/run installs Debian's chromium with apt-get",
	missing: () => (existsSync(CHROMIUM) ? undefined : CHROMIUM),
	async launch(): Promise<BrowserSession> {
		const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30_000 });
		try {
			const context = await browser.newContext();
			context.setDefaultTimeout(PAGE_TIMEOUT);
			return {
				version: `Chromium ${browser.version()}`,
				async openTab(url) {
					const page = await context.newPage();
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
