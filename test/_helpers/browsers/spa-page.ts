import type { BrowserSession, BrowserTab } from './browser.js';

/** A tab of the SPA example (examples/spa/) at `url`, once its script has set it up. */
export async function openSpaPage(browser: BrowserSession, url: string): Promise<BrowserTab> {
	const tab = await browser.openTab(url);
	await tab.waitFor(() => document.body.dataset.ready === 'true');
	return tab;
}

/** Click "Log in", and wait until the provider has sent the tab back and the callback is handled. */
export async function logInThroughProvider(tab: BrowserTab): Promise<void> {
	await tab.click('#login');
	await tab.waitFor(
		() =>
			location.pathname === '/' &&
			document.body.dataset.ready === 'true' &&
			(document.querySelector('#status')?.textContent ?? '').startsWith('Logged in'),
	);
}
