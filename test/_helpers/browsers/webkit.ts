import { existsSync } from 'node:fs';
import net from 'node:net';
import {
	type BrowserEngine,
	type BrowserSession,
	type BrowserTab,
	bounded,
	decodeOutcome,
	type EvaluationOutcome,
	evaluationScript,
	PAGE_TIMEOUT,
	pollUntil,
	waitByPolling,
} from './browser.js';
import { groupSettled, hasExited, spawnGroup, stopGroup } from './process-group.js';
import { createWebDriverSession, type WebDriverSession, webDriverCommand } from './webdriver.js';
import { startXvfb, XVFB } from './xvfb.js';

/** Debian's WebDriver server for WebKitGTK (package `webkit2gtk-driver`). */
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
/** The WebKitGTK browser it drives (package `libwebkit2gtk-4.1-0`'s MiniBrowser). */
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** A free loopback port for the driver. Another process may take it before the driver binds it: launch retries. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** Start WebKitWebDriver on `display`, and wait (bounded) until it answers. */
async function startDriver(display: string) {
	const port = await freePort();
	const child = spawnGroup(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
		stdio: 'ignore',
		env: { ...process.env, DISPLAY: display },
	});
	const base = `http://127.0.0.1:${port}`;
	try {
		await pollUntil(
			async () => {
				if (hasExited(child)) throw new Error('WebKitWebDriver exited');
				return (await webDriverCommand<{ ready?: boolean }>(base, 'GET', '/status', undefined, 1_000)).ready === true;
			},
			10_000,
			'WebKitWebDriver to answer',
		);
		return {
			base,
			async stop() {
				await groupSettled(child);
				await stopGroup(child);
			},
		};
	} catch (error) {
		await stopGroup(child);
		throw error;
	}
}

// An evaluation is started in the page and its outcome collected by later polls, because a WebDriver session runs one
// command at a time: a test that awaits two tabs at once (two tabs refreshing at one instant) must not wait for
// the first tab's work to end before the second tab's starts.
const SLOTS = 'window.__tokenkeeperEvaluations';
const startScript = (id: string, expression: string) =>
	`const slots = (${SLOTS} ??= {}); slots[${JSON.stringify(id)}] = null;
	${expression}.then((outcome) => { slots[${JSON.stringify(id)}] = outcome; }); return true;`;
const pollScript = (id: string) =>
	`const slots = ${SLOTS}; const id = ${JSON.stringify(id)};
	if (!slots || !(id in slots)) return { state: 'gone' };
	if (slots[id] === null) return { state: 'pending' };
	const outcome = slots[id]; delete slots[id]; return { state: 'done', outcome };`;

let evaluations = 0;

function tabOf(session: WebDriverSession, handle: string): BrowserTab {
	const tab: BrowserTab = {
		async evaluate(fn, arg, options) {
			const timeout = options?.timeout ?? PAGE_TIMEOUT;
			evaluations += 1;
			const id = `e${evaluations}`;
			const started = performance.now();
			await bounded(
				session.inWindow(handle, (window) => window.execute(startScript(id, evaluationScript(fn, arg)))),
				timeout,
				'starting an evaluation in WebKit',
			);
			let outcome: EvaluationOutcome | undefined;
			await pollUntil(
				async () => {
					const seen = await session.inWindow(handle, (window) =>
						window.execute<{ state: string; outcome?: EvaluationOutcome }>(pollScript(id)),
					);
					if (seen.state === 'gone') throw new Error('the page navigated away before the evaluation settled');
					outcome = seen.outcome;
					return seen.state === 'done';
				},
				Math.max(0, timeout - (performance.now() - started)),
				'evaluate in WebKit',
			);
			return decodeOutcome(outcome);
		},
		waitFor: (predicate, options) => waitByPolling(tab, predicate, options),
		async click(selector, options) {
			let element: string | undefined;
			await pollUntil(
				async () => {
					element = await session.inWindow(handle, (window) => window.find(selector));
					return element !== undefined;
				},
				options?.timeout ?? PAGE_TIMEOUT,
				`the element ${selector}`,
			);
			await session.inWindow(handle, (window) => window.click(element!));
		},
		reload: () => session.inWindow(handle, (window) => window.refresh()),
		url: () => session.inWindow(handle, (window) => window.url()),
		close: () => session.inWindow(handle, (window) => window.close()),
	};
	return tab;
}

/** WebKitGTK's MiniBrowser through WebKitWebDriver (classic WebDriver), on its own Xvfb display. */
export const webkitEngine: BrowserEngine = {
	name: 'webkit',
	label: 'WebKitGTK (MiniBrowser, WebKitWebDriver)',
	install: ".ci/run installs Debian's webkit2gtk-driver and xvfb with apt-get",
	missing: () => [WEBKIT_DRIVER, MINIBROWSER, XVFB].filter((path) => !existsSync(path)).join(', ') || undefined,
	async launch(): Promise<BrowserSession> {
		const xvfb = await startXvfb();
		let driver: Awaited<ReturnType<typeof startDriver>> | undefined;
		try {
			for (let attempt = 1; !driver; attempt++) {
				driver = await startDriver(xvfb.display).catch((error: unknown) => {
					if (attempt >= 3) throw error;
					return undefined;
				});
			}
			const session = await createWebDriverSession(driver.base, {
				'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
				timeouts: { script: PAGE_TIMEOUT, pageLoad: 20_000, implicit: 0 },
			});
			const stop = async () => {
				await session.delete().catch(() => undefined);
				await driver?.stop();
				await xvfb.stop();
			};
			return {
				version: `WebKitGTK ${String(session.capabilities.browserVersion)} (MiniBrowser)`,
				async openTab(url) {
					// The first window stays open on about:blank: closing a session's last window would end the session.
					const handle = await session.newWindow();
					await session.inWindow(handle, (window) => window.navigate(url));
					return tabOf(session, handle);
				},
				close: stop,
			};
		} catch (error) {
			await driver?.stop();
			await xvfb.stop();
			throw error;
		}
	},
};
