import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../_helpers/chromium.js';
import type { PageTestResult } from '../_helpers/page-runner.js';
import { runner } from './indexed-db-page.js';

const PAGE_SCRIPT = fileURLToPath(new URL('./indexed-db-page.ts', import.meta.url));

// The same suite the Node stores pass, run inside Chromium against its real IndexedDB and Web Locks. The test
// names are learned in Node (registering runs nothing); each one then checks its result from the page.
describe.skipIf(!chromiumAvailable())('IndexedDB store conformance in Chromium', () => {
	let browser: Browser | undefined;
	let server: http.Server | undefined;
	const results = new Map<string, PageTestResult>();

	beforeAll(async () => {
		const bundled = await build({
			entryPoints: [PAGE_SCRIPT],
			bundle: true,
			format: 'esm',
			platform: 'browser',
			write: false,
			logLevel: 'silent',
		});
		const script = bundled.outputFiles[0]!.text;
		server = http.createServer((request, response) => {
			if (request.url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
			else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
		});
		await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
		browser = await launchChromium();
		const page = await browser.newPage();
		// IndexedDB needs a real origin: a loopback one.
		await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
		await page.waitForFunction(() => 'runConformance' in globalThis, undefined, { timeout: 10_000 });
		const ran = (await page.evaluate(() =>
			(globalThis as unknown as { runConformance(): Promise<PageTestResult[]> }).runConformance(),
		)) as PageTestResult[];
		for (const result of ran) results.set(result.name, result);
	}, 120_000);

	afterAll(async () => {
		await browser?.close();
		await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
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
