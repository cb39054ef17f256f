import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./session-channel-page.ts', import.meta.url));

let server: http.Server | undefined;
let pageUrl = '';

beforeAll(async () => {
	const script = (await bundlePage(PAGE_SCRIPT)).script;
	server = http.createServer((request, response) => {
		if (request.url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
		else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
	});
	await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
	pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 60_000);

afterAll(async () => {
	server?.closeAllConnections();
	await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe.each(ENGINES)('session channel between tabs in $name', (engine) => {
	const suite = useBrowser(engine);

	// The storage-event fallback is for browsers without BroadcastChannel (Safari before 15.4). WebKitGTK, driven here
	// through WebDriver, has BroadcastChannel, and fires no `storage` event in one window for another's write at all
	// (measured: not even for a plain setItem another window then reads), so the fallback is checked where it can be.
	const transports = [['BroadcastChannel', ''] as const, ...(engine.name === 'webkit' ? [] : [['storage events', '?storage'] as const])];
	for (const [transport, query] of transports) {
		it(`${transport}: a post reaches the other tab, in order, and never the tab that posted it`, async () => {
			const [poster, other] = [await suite.browser.openTab(`${pageUrl}${query}`), await suite.browser.openTab(`${pageUrl}${query}`)];
			try {
				for (const tab of [poster, other]) await tab.waitFor(() => Array.isArray(window.heard));
				await poster.evaluate(() => {
					window.postSession({ type: 'signed-in', key: 'sqowey:alice' });
					window.postSession({ type: 'signed-out', key: 'sqowey:alice' });
				});
				await other.waitFor(() => window.heard.length >= 2);
				expect(await other.evaluate(() => window.heard)).toEqual([
					{ type: 'signed-in', key: 'sqowey:alice' },
					{ type: 'signed-out', key: 'sqowey:alice' },
				]);
				// The other tab heard both; a message for the poster itself would have come by now.
				expect(await poster.evaluate(() => window.heard)).toEqual([]);
				expect(await poster.evaluate(() => localStorage.getItem('tokenkeeper:session'))).toBeNull();
			} finally {
				await Promise.all([poster.close(), other.close()]);
			}
		});
	}
});
