/**
 * What the browser tests need from a browser, whichever engine runs it: one interface, one small driver per engine
 * (chromium.ts, firefox.ts, webkit.ts). The tests are written once against it and run for every engine.
 */

/** Default bound of a wait, a click or an evaluation, in ms: nothing a test does in a page waits longer by default. */
export const PAGE_TIMEOUT = 10_000;

/** Options of a bounded step in a page. */
export interface WaitOptions {
	/** At most this long, in ms. Default {@link PAGE_TIMEOUT}. */
	readonly timeout?: number | undefined;
}

/** One tab of a {@link BrowserSession}. */
export interface BrowserTab {
	/**
	 * Run `fn(arg)` in the page, await it, and resolve with its result passed through JSON (`undefined` stays
	 * `undefined`). `fn` is sent as source text: it can use the page's globals, never the test's variables. A throw in
	 * the page rejects with its name and message.
	 */
	evaluate<R, A = undefined>(fn: (arg: A) => R | PromiseLike<R>, arg?: A, options?: WaitOptions): Promise<R>;
	/** Wait until `predicate` returns true in the page; it is retried across navigations and page loads. */
	waitFor(predicate: () => boolean, options?: WaitOptions): Promise<void>;
	/** Click the element `selector` names, waiting for it to exist first. */
	click(selector: string, options?: WaitOptions): Promise<void>;
	/** Load the page again, as the reload button does; resolves once the new page has loaded. */
	reload(): Promise<void>;
	/** The address the tab shows now. */
	url(): Promise<string>;
	close(): Promise<void>;
}

/** A launched browser. Its tabs share one context: the storage, IndexedDB and Web Locks of an origin. */
export interface BrowserSession {
	/** The engine's own version string, as the browser reports it. */
	readonly version: string;
	/**
	 * A new tab of the shared context, loaded at `url`. Every tab is visible, as a tab in front is: where an engine
	 * hides a background tab (Firefox, WebKitGTK), each tab is a window of its own, since a hidden tab's timers are
	 * throttled (Firefox: at least 1 s) and two tabs could not start work at one agreed instant.
	 */
	openTab(url: string): Promise<BrowserTab>;
	/** Closes every tab and the browser, and ends every process launched for it (driver and display included). */
	close(): Promise<void>;
}

/** A browser engine the tests run in. */
export interface BrowserEngine {
	/** Short name, for test names and `-t` filters: `chromium`, `firefox`, `webkit`. */
	readonly name: string;
	/** Which browser it is, for people: `Chromium (playwright-core)`. */
	readonly label: string;
	/** What is missing to run it, or undefined when everything is installed. */
	missing(): string | undefined;
	/** How `.ci/run` installs what it needs, for the line that says why a run skipped it. */
	readonly install: string;
	/** Launch it (bounded: rejects rather than hangs), leaving nothing running if the launch fails. */
	launch(): Promise<BrowserSession>;
}

/** What the page-side wrapper of {@link evaluationScript} resolves with: it never rejects. */
export interface EvaluationOutcome {
	readonly json?: string;
	readonly error?: string;
}

/**
 * The expression each driver evaluates for {@link BrowserTab.evaluate}: the same text in every engine, so results go
 * through the page's own JSON.stringify everywhere (no driver-specific serialisation) and a throw comes back as data.
 */
export function evaluationScript(fn: (arg: never) => unknown, arg: unknown): string {
	return `(async () => {
	try {
		const value = await (${fn.toString()})(${JSON.stringify(arg) ?? 'undefined'});
		return value === undefined ? {} : { json: JSON.stringify(value) };
	} catch (error) {
		return { error: error instanceof Error ? error.name + ': ' + error.message : String(error) };
	}
})()`;
}

/** The result an {@link EvaluationOutcome} carries, or its error thrown. */
export function decodeOutcome<R>(outcome: EvaluationOutcome | null | undefined): R {
	if (!outcome || typeof outcome !== 'object') throw new Error(`the page returned no evaluation outcome (${String(outcome)})`);
	if (outcome.error !== undefined) throw new Error(`in the page: ${outcome.error}`);
	return (outcome.json === undefined ? undefined : JSON.parse(outcome.json)) as R;
}

/** `work`, or a rejection naming `what` once `ms` have passed: every step of a driver is bounded. */
export function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
	});
	return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Poll `check` until it resolves true, at most `timeout` ms. A check that throws (the page is navigating: its
 * context is gone) counts as "not yet"; the last error is named if time runs out.
 */
export async function pollUntil(check: () => Promise<boolean>, timeout: number, what: string): Promise<void> {
	const deadline = performance.now() + timeout;
	let lastError: unknown;
	for (;;) {
		const left = deadline - performance.now();
		if (left <= 0) break;
		try {
			if (await bounded(check(), left, what)) return;
			lastError = undefined;
		} catch (error) {
			lastError = error;
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
	throw new Error(`${what}: still not true after ${timeout} ms${why}`);
}

/** A {@link BrowserTab.waitFor} for drivers that have an evaluate: the predicate polled through it. */
export function waitByPolling(tab: Pick<BrowserTab, 'evaluate'>, predicate: () => boolean, options?: WaitOptions): Promise<void> {
	const timeout = options?.timeout ?? PAGE_TIMEOUT;
	// Each look is short: a look stuck in a page that is going away must not eat the whole wait.
	return pollUntil(
		() => tab.evaluate(predicate, undefined, { timeout: Math.min(timeout, 2_000) }).then(Boolean),
		timeout,
		`waiting in the page for ${predicate.toString()}`,
	);
}

/** What playwright-core's and puppeteer-core's pages both offer, as far as a tab needs it. */
export interface ScriptablePage {
	evaluate(script: string): Promise<unknown>;
	reload(options: { timeout: number }): Promise<unknown>;
	url(): string;
	close(): Promise<void>;
}

/** A {@link BrowserTab} over a page that runs scripts itself (Chromium, Firefox); `click` is the library's own. */
export function pageTab(page: ScriptablePage, engine: string, click: (selector: string, timeout: number) => Promise<void>): BrowserTab {
	const tab: BrowserTab = {
		async evaluate(fn, arg, options) {
			const outcome = (await bounded(
				page.evaluate(evaluationScript(fn, arg)),
				options?.timeout ?? PAGE_TIMEOUT,
				`evaluate in ${engine}`,
			)) as EvaluationOutcome;
			return decodeOutcome(outcome);
		},
		waitFor: (predicate, options) => waitByPolling(tab, predicate, options),
		click: (selector, options) => click(selector, options?.timeout ?? PAGE_TIMEOUT),
		async reload() {
			await page.reload({ timeout: PAGE_TIMEOUT });
		},
		url: async () => page.url(),
		close: () => page.close(),
	};
	return tab;
}
