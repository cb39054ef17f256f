/**
 * The few commands of classic WebDriver (W3C WebDriver, HTTP + JSON) that the WebKit driver uses, on Node's fetch.
 * A dozen requests, each a fetch: webdriverio (25 direct dependencies, archivers and an HTML parser among them) would
 * not shorten this, and it would add its own waiting and retry rules on top of ours.
 * @see https://www.w3.org/TR/webdriver2/
 */

/** How long one WebDriver request may take, in ms, unless the caller says otherwise. */
const REQUEST_TIMEOUT = 30_000;

/** Send one WebDriver command to the server at `base` and return its `value`, or throw its error, named. */
export async function webDriverCommand<T>(
	base: string,
	method: string,
	path: string,
	body?: unknown,
	timeout = REQUEST_TIMEOUT,
): Promise<T> {
	let response: Response;
	try {
		response = await fetch(`${base}${path}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(timeout),
		});
	} catch (error) {
		throw new Error(`WebDriver ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
	}
	const payload = (await response.json().catch(() => ({}))) as { value?: { error?: string; message?: string } };
	if (!response.ok) {
		throw new Error(`WebDriver ${method} ${path}: ${payload.value?.error ?? response.status}: ${payload.value?.message ?? ''}`);
	}
	return payload.value as T;
}

/** A WebDriver session: one browser, several windows, one current window at a time. */
export interface WebDriverSession {
	/** What the browser said it is (`browserName`, `browserVersion`, …). */
	readonly capabilities: Readonly<Record<string, unknown>>;
	/** The window the session started with. */
	readonly firstWindow: string;
	/** A new top-level window, not switched to: a window rather than a tab, so that it is visible, not a hidden tab. */
	newWindow(): Promise<string>;
	/**
	 * Run `work` with `handle` as the current window. Classic WebDriver has one current window per session, so the
	 * switch and the commands after it run as one step: calls from concurrent tests queue, never interleave.
	 */
	inWindow<T>(handle: string, work: (commands: WindowCommands) => Promise<T>): Promise<T>;
	/** End the session: the driver closes the browser. */
	delete(): Promise<void>;
}

/** The commands that act on the current window. */
export interface WindowCommands {
	navigate(url: string): Promise<void>;
	/** Load the current page again (WebDriver's Refresh). */
	refresh(): Promise<void>;
	url(): Promise<string>;
	/** Run `script` (a function body; `arguments` holds `args`) and return what it returns. */
	execute<T>(script: string, args?: readonly unknown[]): Promise<T>;
	/** The element `selector` names (a CSS selector), or undefined when there is none. */
	find(selector: string): Promise<string | undefined>;
	click(element: string): Promise<void>;
	/** Close the current window. */
	close(): Promise<void>;
}

/** The W3C key under which an element reference travels. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** Open a session on the WebDriver server at `base` with `capabilities` (`alwaysMatch`), bounded by `timeout` ms. */
export async function createWebDriverSession(
	base: string,
	capabilities: Record<string, unknown>,
	timeout = REQUEST_TIMEOUT,
): Promise<WebDriverSession> {
	const created = await webDriverCommand<{ sessionId: string; capabilities: Record<string, unknown> }>(
		base,
		'POST',
		'/session',
		{ capabilities: { alwaysMatch: capabilities } },
		timeout,
	);
	const session = `/session/${created.sessionId}`;
	const send = <T>(method: string, path: string, body?: unknown, ms?: number) =>
		webDriverCommand<T>(base, method, `${session}${path}`, body, ms);
	let current: string | undefined;
	let queue: Promise<unknown> = Promise.resolve();
	/** Run `work` after every command queued before it: one command at a time per session. */
	function serially<T>(work: () => Promise<T>): Promise<T> {
		const step = queue.then(work);
		queue = step.catch(() => undefined);
		return step;
	}

	const commands: WindowCommands = {
		navigate: (url) => send('POST', '/url', { url }),
		refresh: () => send('POST', '/refresh', {}),
		url: () => send('GET', '/url'),
		execute: (script, args = []) => send('POST', '/execute/sync', { script, args }),
		async find(selector) {
			try {
				const found = await send<Record<string, string>>('POST', '/element', { using: 'css selector', value: selector });
				return found[ELEMENT];
			} catch (error) {
				if (error instanceof Error && error.message.includes('no such element')) return undefined;
				throw error;
			}
		},
		click: (element) => send('POST', `/element/${element}/click`, {}),
		async close() {
			current = undefined;
			await send('DELETE', '/window');
		},
	};

	function inWindow<T>(handle: string, work: (commands: WindowCommands) => Promise<T>): Promise<T> {
		return serially(async () => {
			if (current !== handle) {
				current = undefined;
				await send('POST', '/window', { handle });
				current = handle;
			}
			return work(commands);
		});
	}

	try {
		const firstWindow = await send<string>('GET', '/window');
		current = firstWindow;
		return {
			capabilities: created.capabilities,
			firstWindow,
			// From the first window: a new window needs a current one, and the last current one may have been closed.
			newWindow: () =>
				inWindow(firstWindow, async () => (await send<{ handle: string }>('POST', '/window/new', { type: 'window' })).handle),
			inWindow,
			// Not queued behind a command that may hang, and bounded tighter: a browser that does not close is then
			// killed with its driver.
			delete: () => send('DELETE', '', undefined, 10_000),
		};
	} catch (error) {
		await send('DELETE', '', undefined, 10_000).catch(() => undefined);
		throw error;
	}
}
