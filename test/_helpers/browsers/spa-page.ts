import { type BrowserSession, type BrowserTab, PAGE_TIMEOUT } from './browser.js';

/** A tab of the SPA example (examples/spa/) at `url`, once its script has set it up. */
export async function openSpaPage(browser: BrowserSession, url: string): Promise<BrowserTab> {
	const tab = await browser.openTab(url);
	await tab.waitFor(() => document.body.dataset.ready === 'true');
	return tab;
}

/**
 * Click "Log in", and wait until the provider has sent the tab back and the page has handled the callback. The page
 * before the click is marked: without the mark, that page (already at `/` and ready) could pass for the one after the
 * round trip, if the check ran before the navigation began. On a timeout, the error says where the tab was. The round
 * trip is two page loads and a token exchange: under CI's load (three engines' tests beside each other on two cores),
 * WebKit once took more than one page's 10 s, stuck at the callback's "Loading…"; it gets one and a half.
 */
export async function logInThroughProvider(tab: BrowserTab): Promise<void> {
	await tab.evaluate(() => {
		(window as { beforeLogin?: boolean }).beforeLogin = true;
	});
	await tab.click('#login');
	try {
		await tab.waitFor(() => !('beforeLogin' in window) && location.pathname === '/' && document.body.dataset.ready === 'true', {
			timeout: PAGE_TIMEOUT * 2,
		});
	} catch (error) {
		const where = await tab
			.evaluate(() =>
				JSON.stringify({
					url: location.href,
					ready: document.body.dataset.ready,
					status: document.querySelector('#status')?.textContent,
					output: document.querySelector('#output')?.textContent,
				}),
			)
			.catch((reason: unknown) => `unknown (${String(reason)})`);
		throw new Error(`The login did not come back: the tab is at ${where}`, { cause: error });
	}
}
