import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpaExample, type SpaExample } from '../../examples/spa/server.js';
import { type BrowserTab, ENGINES, useBrowser } from '../_helpers/browsers/index.js';
import { logInThroughProvider, openSpaPage } from '../_helpers/browsers/spa-page.js';

// DPoP in a real browser (every engine, as the SPA tests): the example with `?dpop`, against its emulator with DPoP on
// and nonces required. Each engine gets its own emulator, so its counters count its own requests.
describe.each(ENGINES)('DPoP in the SPA example in $name (login, dpop_jkt, two tabs, one key)', (engine) => {
	const suite = useBrowser(engine);
	let example: SpaExample;

	beforeAll(async () => {
		example = await startSpaExample();
		example.emulator.setDpop({ nonce: 'required' });
	}, 60_000);

	afterAll(async () => {
		await example?.close();
	});

	const openSpa = () => openSpaPage(suite.browser, `${example.spaUrl}/?dpop`);

	it('login with PKCE and dpop_jkt, then two tabs forcing a refresh at one instant: 1 refresh, 0 reuse, 1 key', async () => {
		const tab = await openSpa();
		await logInThroughProvider(tab);
		await expect(tab.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		const afterLogin = example.emulator.counters();
		// The code was bound to the key (dpop_jkt) and exchanged with a proof by it; the API took a bound token.
		expect(afterLogin.dpop.refused).toMatchObject({ binding: 0, replay: 0, htu: 0, htm: 0, signature: 0, ath: 0 });
		expect(afterLogin.apiRequests.ok).toBe(1);

		const other = await openSpa();
		// Without nonces for the race: a tab that has not yet heard the endpoint's nonce would add a refused request,
		// and `refresh_token` would count it; the count is then the number of refreshes.
		example.emulator.setDpop({});
		example.emulator.resetCounters();
		const at = Date.now() + 300;
		const forceAt = (page: BrowserTab) =>
			page.evaluate((start) => new Promise((resolve) => setTimeout(resolve, start - Date.now())).then(() => window.demo.refresh()), at);
		await Promise.all([forceAt(tab), forceAt(other)]);
		await expect(tab.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		await expect(other.evaluate(() => window.demo.callApi())).resolves.toMatchObject({ username: expect.any(String) });
		const counters = example.emulator.counters();
		const keys = await other.evaluate(() => window.demo.dpopKeys());
		console.log(
			`${engine.name}, DPoP, two tabs forcing a refresh at one instant: ${counters.tokenRequests.refresh_token} refresh, ${counters.refreshTokenReuse} reuse, ${keys} key(s) in use`,
		);
		expect(counters.tokenRequests.refresh_token).toBe(1);
		expect(counters.refreshTokenReuse).toBe(0);
		expect(keys).toBe(1);
		// Both tabs' proofs were by the key the tokens are bound to: none refused for binding.
		expect(counters.dpop.refused.binding).toBe(0);
		expect(counters.apiRequests).toMatchObject({ ok: 2, rejected: 0 });

		expect(await tab.evaluate(() => window.demo.logout())).toEqual({ revoked: true, errors: [] });
		expect(await tab.evaluate(() => window.demo.dpopKeys())).toBe(0);
		await Promise.all([tab.close(), other.close()]);
	});

	it('an API redirect, which a browser hides from DPoP: ERR_DPOP, and where it leads gets no request, proof or token', async () => {
		// Another origin on loopback, counting what reaches it.
		const reached: string[] = [];
		const other = http.createServer((request, response) => {
			reached.push(`${request.method} ${request.url} dpop=${request.headers.dpop !== undefined}`);
			response.writeHead(200, { 'access-control-allow-origin': '*' }).end('{}');
		});
		await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
		try {
			const tab = await openSpa();
			await logInThroughProvider(tab);
			const { port } = other.address() as { port: number };
			example.emulator.injectFault({ kind: 'redirect', location: `http://127.0.0.1:${port}/elsewhere` }, { target: 'api', times: 1 });
			const outcome = await tab.evaluate(() =>
				window.demo.callApi().then(
					() => 'answered',
					(error: { code?: string }) => error.code ?? 'no code',
				),
			);
			console.log(
				`${engine.name}, DPoP API request redirected to another origin: ${outcome}; the other origin got ${reached.length} request(s)`,
			);
			expect(outcome).toBe('ERR_DPOP');
			expect(reached).toEqual([]);
			await tab.close();
		} finally {
			await new Promise((resolve) => other.close(resolve));
		}
	});
});
