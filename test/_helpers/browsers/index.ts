import { afterAll, beforeAll, beforeEach } from 'vitest';
import { inCI, requireInCI } from '../ci.js';
import { type BrowserEngine, type BrowserSession, bounded } from './browser.js';
import { chromiumEngine } from './chromium.js';
import { firefoxEngine } from './firefox.js';
import { webkitEngine } from './webkit.js';

export type { BrowserEngine, BrowserSession, BrowserTab } from './browser.js';

/** Every engine the browser tests run in, each from the same test files (`describe.each(ENGINES)`). */
export const ENGINES: readonly BrowserEngine[] = [chromiumEngine, firefoxEngine, webkitEngine];

/** Longest a launch may take, in ms: past it the run fails (CI) or the engine's tests skip (locally). */
const LAUNCH_TIMEOUT = 60_000;
/** Longest a close may take, in ms: the WebKit driver's is the longest (end the session, then the driver, then Xvfb). */
const CLOSE_TIMEOUT = 25_000;

/**
 * Launch `engine`, at most `timeout` ms. Each driver bounds its own steps; this bound is the last word, and a
 * browser that comes up after it is closed at once rather than left running.
 */
async function launchWithin(engine: BrowserEngine, timeout: number): Promise<BrowserSession> {
	const launching = engine.launch();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			launching.then((browser) => browser.close()).catch(() => undefined);
			reject(new Error(`${engine.label} did not start within ${timeout} ms`));
		}, timeout);
	});
	return Promise.race([launching, late]).finally(() => clearTimeout(timer));
}

/** The browser of a describe block, once {@link useBrowser} launched it. */
export interface SuiteBrowser {
	/** The launched browser; throws if it is not running (its tests are skipped then). */
	readonly browser: BrowserSession;
	/** Whether it launched: false when the engine is missing or did not start (locally only). */
	readonly running: boolean;
}

/**
 * Launch `engine` for the calling describe block, before its tests, and close it after them (browser, driver and
 * display), whether they passed or not. Under CI (`ci.ts`) an engine that is missing or cannot start fails the run;
 * locally its tests are skipped, with a line saying why.
 * @example
 * describe.each(ENGINES)('in $name', (engine) => {
 *   const suite = useBrowser(engine);
 *   it('loads', async () => void (await suite.browser.openTab(url)));
 * });
 */
export function useBrowser(engine: BrowserEngine): SuiteBrowser {
	const missing = engine.missing();
	let why = requireInCI(missing === undefined, `${engine.name}'s ${missing}`, engine.install) ? undefined : `${missing} is missing`;
	let browser: BrowserSession | undefined;

	beforeAll(async () => {
		if (why) return;
		try {
			browser = await launchWithin(engine, LAUNCH_TIMEOUT);
		} catch (error) {
			if (inCI) throw error;
			why = `it did not start: ${error instanceof Error ? error.message : String(error)}`;
			console.warn(`Skipping the tests in ${engine.label}: ${why}`);
		}
	}, LAUNCH_TIMEOUT + 5_000);

	beforeEach((context) => {
		if (why) context.skip(`${engine.label}: ${why}`);
	});

	afterAll(async () => {
		const closing = browser?.close();
		browser = undefined;
		// Bounded: a browser that does not close is killed when the test worker exits (process-group.ts, and
		// playwright-core's and puppeteer-core's own exit handlers).
		if (closing) await bounded(closing, CLOSE_TIMEOUT, `closing ${engine.label}`);
	}, CLOSE_TIMEOUT + 5_000);

	return {
		get browser() {
			if (!browser) throw new Error(`${engine.label} is not running${why ? `: ${why}` : ''}`);
			return browser;
		},
		get running() {
			return browser !== undefined;
		},
	};
}
