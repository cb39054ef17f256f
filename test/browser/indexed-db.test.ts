import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { bundlePage } from '../_helpers/browsers/page-script.js';
import type { PageTestResult } from '../_helpers/page-runner.js';
import { runner } from './indexed-db-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./indexed-db-page.ts', import.meta.url));
/** Longest the whole suite may take in one page: each of its tests is bounded in the page too (page-runner.ts). */
const SUITE_TIMEOUT = 120_000;

// One loopback origin serves the bundled suite to every engine: IndexedDB needs a real origin.
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

// The same suite the Node stores pass, run inside each engine against its real IndexedDB and Web Locks. The test
// names are learned in Node (registering runs nothing); each one then checks its result from the page.
describe.each(ENGINES)('IndexedDB store conformance in $name', (engine) => {
	const suite = useBrowser(engine);
	const results = new Map<string, PageTestResult>();
	let webLocks: boolean | undefined;

	beforeAll(async () => {
		if (!suite.running) return;
		const tab = await suite.browser.openTab(pageUrl);
		await tab.waitFor(() => 'runConformance' in globalThis);
		webLocks = await tab.evaluate(() => typeof navigator.locks?.request === 'function');
		const ran = await tab.evaluate(
			() => (globalThis as unknown as { runConformance(): Promise<PageTestResult[]> }).runConformance(),
			undefined,
			{ timeout: SUITE_TIMEOUT },
		);
		for (const result of ran) results.set(result.name, result);
		await tab.close();
	}, SUITE_TIMEOUT + 10_000);

	// Which cross-tab lock the suite exercised. Every engine here has Web Locks on a loopback origin (a secure context);
	// one without them would run the same suite on the storage-lease fallback, and this line would have to say so.
	it('the lock under test is Web Locks (navigator.locks)', () => {
		expect(webLocks).toBe(true);
	});

	it('the page ran every test of the suite', () => {
		expect([...results.keys()]).toEqual(runner.names());
	});

	for (const name of runner.names()) {
		it(name, () => {
			expect(results.get(name)).toEqual({ name, ok: true });
		});
	}
});
