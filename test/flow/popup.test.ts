import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTokenkeeperError, PopupError } from '../../src/errors.js';
import { type PopupCallbackEnv, relayPopupCallback } from '../../src/flow/popup-callback.js';
import { type PopupEnv, type PopupWaitOptions, requirePopup, waitForPopupCallback } from '../../src/flow/popup.js';
import { openPopupWindow } from '../../src/flow/popup-window.js';

/** How the flow opens its popup (loginWithPopup): the window now, then `blocked` if there is none. */
const openPopup = (features: string | undefined, env: PopupEnv) => requirePopup(openPopupWindow(features, env));

const APP = 'https://spa.test';
const STATE = 'state-of-this-attempt';
const AUTHORIZE = `https://provider.test/authorize?state=${STATE}`;
const CALLBACK = `${APP}/callback?code=the-code&state=${STATE}&iss=https%3A%2F%2Fprovider.test`;

/** Node's BroadcastChannel, counting the channels open (each one of these is a tab or a popup of the origin). */
let openChannels = 0;
class CountingChannel extends BroadcastChannel {
	constructor(name: string) {
		super(name);
		openChannels += 1;
	}
	override close() {
		openChannels -= 1;
		super.close();
	}
}

/** The popup's window as the opener sees it; `closed` is set by the test (the user) or by `close()`. */
function createPopup() {
	return {
		closed: false,
		closeCalls: 0,
		location: { href: 'about:blank' },
		close() {
			this.closed = true;
			this.closeCalls += 1;
		},
	};
}
type FakePopup = ReturnType<typeof createPopup>;

/** The opener's window: counts its `message` listeners; `deliver` is the browser handing it a postMessage. */
function createOpener(options: { broadcast?: boolean } = {}) {
	const listeners = new Set<(event: MessageEvent) => void>();
	const opened: Array<{ url: string; target: string; features: string; popup: FakePopup }> = [];
	return {
		listeners,
		opened,
		screenX: 100,
		screenY: 40,
		outerWidth: 1500,
		outerHeight: 1050,
		BroadcastChannel: options.broadcast === false ? undefined : CountingChannel,
		open(url: string, target: string, features: string) {
			const popup = createPopup();
			opened.push({ url, target, features, popup });
			return popup;
		},
		addEventListener: (_type: 'message', listener: (event: MessageEvent) => void) => void listeners.add(listener),
		removeEventListener: (_type: 'message', listener: (event: MessageEvent) => void) => void listeners.delete(listener),
		deliver(data: unknown, origin: string) {
			for (const listener of [...listeners]) listener({ data, origin } as MessageEvent);
		},
	} satisfies PopupEnv & Record<string, unknown>;
}
type FakeOpener = ReturnType<typeof createOpener>;

/**
 * The callback page's window inside the popup. `link`: the opener is reachable (no COOP on the way), and a
 * `postMessage` to it arrives from `origin` when its target origin allows it, as browsers do.
 */
function createCallbackPage(opener: FakeOpener | undefined, options: { broadcast?: boolean; origin?: string } = {}) {
	const origin = options.origin ?? APP;
	const page = {
		closed: false,
		posts: [] as Array<{ message: unknown; targetOrigin: string }>,
		location: { href: CALLBACK, origin },
		opener: opener
			? {
					postMessage(message: unknown, targetOrigin: string) {
						page.posts.push({ message, targetOrigin });
						if (targetOrigin === APP) opener.deliver(structuredClone(message), origin);
					},
				}
			: null,
		BroadcastChannel: options.broadcast === false ? undefined : CountingChannel,
		close() {
			page.closed = true;
		},
	} satisfies PopupCallbackEnv & Record<string, unknown>;
	return page;
}

function wait(popup: FakePopup, opener: FakeOpener, options: Partial<PopupWaitOptions> = {}) {
	return waitForPopupCallback(popup, { url: AUTHORIZE, state: STATE, redirectOrigin: APP, ...options }, opener);
}

/** Nothing left behind: no message listener, no BroadcastChannel, no timer; and the popup was told to close. */
function expectCleanedUp(opener: FakeOpener, popup: FakePopup) {
	expect(opener.listeners.size).toBe(0);
	expect(openChannels).toBe(0);
	expect(vi.getTimerCount()).toBe(0);
	expect(popup.closeCalls).toBeGreaterThanOrEqual(1);
}

/** The error `promise` rejects with; a resolution fails the test. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		(value) => {
			throw new Error(`expected a rejection, got ${String(value)}`);
		},
		(error: unknown) => error,
	);
}

/** Whether `promise` has settled yet, read after the fake clock moved (which also runs the pending callbacks). */
function track(promise: Promise<unknown>) {
	const seen = { settled: false };
	const settled = () => {
		seen.settled = true;
	};
	promise.then(settled, settled);
	return seen;
}

function expectPopupError(error: unknown, reason: PopupError['reason']) {
	expect(isTokenkeeperError(error)).toBe(true);
	expect(error).toBeInstanceOf(PopupError);
	expect(error).toMatchObject({ name: 'PopupError', code: 'ERR_POPUP', reason });
}

beforeEach(() => {
	openChannels = 0;
	// Timers only: Node's BroadcastChannel and promises keep running on the real event loop.
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
	vi.useRealTimers();
});

describe('openPopup', () => {
	it('opens about:blank at once, centred 500x650 on the opener, as a popup', () => {
		const opener = createOpener();
		const popup = openPopup(undefined, opener);
		expect(opener.opened).toHaveLength(1);
		expect(opener.opened[0]).toMatchObject({ url: 'about:blank', target: '_blank', popup });
		expect(opener.opened[0]!.features).toBe('popup,width=500,height=650,left=600,top=240');
	});

	it('features given are passed as they are', () => {
		const opener = createOpener();
		openPopup('popup,width=320,height=480', opener);
		expect(opener.opened[0]!.features).toBe('popup,width=320,height=480');
	});

	it('blocked: window.open returning null throws PopupError blocked', () => {
		const blocked = { ...createOpener(), open: () => null };
		let error: unknown;
		try {
			openPopup(undefined, blocked);
		} catch (thrown) {
			error = thrown;
		}
		expectPopupError(error, 'blocked');
	});

	it('blocked: no window.open at all (not a browser) is blocked too', () => {
		expect(() => openPopup(undefined, {})).toThrow(PopupError);
	});
});

describe('waitForPopupCallback: the result', () => {
	it('navigates the popup to the authorization URL', () => {
		const opener = createOpener();
		const popup = createPopup();
		void wait(popup, opener).catch(() => undefined);
		expect(popup.location.href).toBe(AUTHORIZE);
		popup.close();
		vi.runAllTimers();
	});

	it('COOP: with the opener link severed (popup reported closed at once), the result comes by BroadcastChannel', async () => {
		const opener = createOpener();
		const popup = createPopup();
		popup.closed = true; // what browsers report once a COOP same-origin page cut the link
		const result = wait(popup, opener, { closeDetection: false });
		await vi.advanceTimersByTimeAsync(10_000);
		const page = createCallbackPage(undefined);
		expect(relayPopupCallback(undefined, page)).toBe(true);
		expect(page.closed).toBe(true);
		await expect(result).resolves.toBe(CALLBACK);
		expectCleanedUp(opener, popup);
	});

	it('postMessage only: without BroadcastChannel anywhere, the result comes from the opener link', async () => {
		const opener = createOpener({ broadcast: false });
		const popup = createPopup();
		const result = wait(popup, opener);
		const page = createCallbackPage(opener, { broadcast: false });
		expect(relayPopupCallback(undefined, page)).toBe(true);
		await expect(result).resolves.toBe(CALLBACK);
		expect(page.posts).toEqual([{ message: { type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK }, targetOrigin: APP }]);
		expectCleanedUp(opener, popup);
	});

	it('both ways: the first message wins, the second finds nothing listening', async () => {
		const opener = createOpener();
		const popup = createPopup();
		const result = wait(popup, opener);
		relayPopupCallback(undefined, createCallbackPage(opener));
		await expect(result).resolves.toBe(CALLBACK);
		expectCleanedUp(opener, popup);
	});

	it('fragment: a callback URL with its state in the fragment (response_mode=fragment) is handed over whole', async () => {
		const opener = createOpener({ broadcast: false });
		const popup = createPopup();
		const result = wait(popup, opener);
		const url = `${APP}/callback#code=the-code&state=${STATE}`;
		expect(relayPopupCallback(url, createCallbackPage(opener, { broadcast: false }))).toBe(true);
		await expect(result).resolves.toBe(url);
	});

	it('origin check: a postMessage from another origin is ignored, even with the right state', async () => {
		const opener = createOpener({ broadcast: false });
		const popup = createPopup();
		const result = wait(popup, opener);
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: STATE, url: 'https://evil.test/?code=stolen' }, 'https://evil.test');
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: STATE, url: 'https://evil.test/?code=stolen' }, 'null');
		expect(opener.listeners.size).toBe(1);
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK }, APP);
		await expect(result).resolves.toBe(CALLBACK);
	});

	it('state check: a message for another attempt (another state) is ignored, on either transport', async () => {
		const opener = createOpener();
		const popup = createPopup();
		const result = wait(popup, opener);
		const other = `${APP}/callback?code=other-code&state=another-attempt`;
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: 'another-attempt', url: other }, APP);
		expect(opener.listeners.size).toBe(1);
		// Messages of one sender arrive in order: the right state comes after the other attempt's, on the same channel.
		const sender = new CountingChannel('tokenkeeper:popup');
		sender.postMessage({ type: 'tokenkeeper:popup-callback', state: 'another-attempt', url: other });
		sender.postMessage({ type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK });
		sender.close();
		await expect(result).resolves.toBe(CALLBACK);
		expectCleanedUp(opener, popup);
	});

	it('message check: other types, a missing url or a non-object are ignored', async () => {
		const opener = createOpener({ broadcast: false });
		const popup = createPopup();
		const result = wait(popup, opener);
		for (const data of [
			null,
			'tokenkeeper:popup-callback',
			{ type: 'other', state: STATE, url: CALLBACK },
			{ type: 'tokenkeeper:popup-callback', state: STATE },
		]) {
			opener.deliver(data, APP);
		}
		expect(opener.listeners.size).toBe(1);
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK }, APP);
		await expect(result).resolves.toBe(CALLBACK);
	});
});

describe('waitForPopupCallback: no result', () => {
	it('closed: a popup closed without a result rejects PopupError closed after the 1 s grace', async () => {
		const opener = createOpener();
		const popup = createPopup();
		const result = wait(popup, opener);
		const seen = track(result);
		popup.closed = true;
		await vi.advanceTimersByTimeAsync(500); // the poll sees it closed
		await vi.advanceTimersByTimeAsync(999);
		expect(seen.settled).toBe(false);
		await vi.advanceTimersByTimeAsync(1);
		expectPopupError(await rejection(result), 'closed');
		expectCleanedUp(opener, popup);
	});

	it('closed: a result that arrives within the grace after the popup closed still wins', async () => {
		const opener = createOpener({ broadcast: false });
		const popup = createPopup();
		const result = wait(popup, opener);
		popup.closed = true;
		await vi.advanceTimersByTimeAsync(900);
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK }, APP);
		await expect(result).resolves.toBe(CALLBACK);
		expectCleanedUp(opener, popup);
	});

	it('closeDetection false: a popup reported closed is not a failure; the timeout still bounds the wait', async () => {
		const opener = createOpener();
		const popup = createPopup();
		popup.closed = true;
		const result = wait(popup, opener, { closeDetection: false, timeout: 60_000 });
		const seen = track(result);
		await vi.advanceTimersByTimeAsync(59_999);
		expect(seen.settled).toBe(false);
		await vi.advanceTimersByTimeAsync(1);
		expectPopupError(await rejection(result), 'timeout');
		expectCleanedUp(opener, popup);
	});

	it('timeout: the default is 5 minutes, then PopupError timeout, and the popup is closed', async () => {
		const opener = createOpener();
		const popup = createPopup();
		const result = wait(popup, opener);
		const seen = track(result);
		await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
		expect(seen.settled).toBe(false);
		await vi.advanceTimersByTimeAsync(1);
		const error = await rejection(result);
		expectPopupError(error, 'timeout');
		expect((error as Error).message).toBe('The popup login gave no result within 300000 ms.');
		expect(popup.closed).toBe(true);
		expectCleanedUp(opener, popup);
	});

	it('timeout option: not a positive timer delay is ERR_INVALID_OPTION, and the popup is closed', async () => {
		for (const timeout of [0, -1, Number.NaN, 2 ** 31]) {
			const opener = createOpener();
			const popup = createPopup();
			const error = await rejection(wait(popup, opener, { timeout }));
			expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'timeout' });
			expectCleanedUp(opener, popup);
		}
	});

	it("abort: the signal's reason rejects, and the popup is closed", async () => {
		const opener = createOpener();
		const popup = createPopup();
		const controller = new AbortController();
		const add = vi.spyOn(controller.signal, 'addEventListener');
		const remove = vi.spyOn(controller.signal, 'removeEventListener');
		const result = wait(popup, opener, { signal: controller.signal });
		const reason = new Error('user went elsewhere');
		controller.abort(reason);
		expect(await rejection(result)).toBe(reason);
		expect(add).toHaveBeenCalledTimes(1);
		expect(remove).toHaveBeenCalledTimes(1);
		expectCleanedUp(opener, popup);
	});

	it('abort: an already aborted signal rejects at once, without navigating the popup', async () => {
		const opener = createOpener();
		const popup = createPopup();
		const result = wait(popup, opener, { signal: AbortSignal.abort(new Error('too late')) });
		expect(await rejection(result)).toMatchObject({ message: 'too late' });
		expect(popup.location.href).toBe('about:blank');
		expectCleanedUp(opener, popup);
	});

	it('cleanup: after a result, the abort listener is gone too, and a late abort changes nothing', async () => {
		const opener = createOpener({ broadcast: false });
		const popup = createPopup();
		const controller = new AbortController();
		const remove = vi.spyOn(controller.signal, 'removeEventListener');
		const result = wait(popup, opener, { signal: controller.signal });
		opener.deliver({ type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK }, APP);
		await expect(result).resolves.toBe(CALLBACK);
		expect(remove).toHaveBeenCalledTimes(1);
		controller.abort();
		expectCleanedUp(opener, popup);
	});
});

describe('handlePopupCallback', () => {
	it('no state: returns false and does nothing (no message, no close)', () => {
		const opener = createOpener({ broadcast: false });
		const page = createCallbackPage(opener);
		page.location.href = `${APP}/callback?code=the-code`;
		expect(relayPopupCallback(undefined, page)).toBe(false);
		expect(relayPopupCallback('not a url', page)).toBe(false);
		expect(relayPopupCallback(`${APP}/callback?state=`, page)).toBe(false);
		expect(page.posts).toEqual([]);
		expect(page.closed).toBe(false);
		expect(openChannels).toBe(0);
	});

	it('default URL: location.href; accepts a URL object', () => {
		const opener = createOpener({ broadcast: false });
		const page = createCallbackPage(opener, { broadcast: false });
		expect(relayPopupCallback(new URL(CALLBACK), page)).toBe(true);
		expect(page.posts[0]!.message).toEqual({ type: 'tokenkeeper:popup-callback', state: STATE, url: CALLBACK });
	});

	it('opener postMessage goes to its own origin only, so an opener that navigated elsewhere gets nothing', () => {
		const opener = createOpener({ broadcast: false });
		const page = createCallbackPage(opener, { broadcast: false, origin: 'https://other.test' });
		relayPopupCallback(undefined, page);
		expect(page.posts.map((post) => post.targetOrigin)).toEqual(['https://other.test']);
		expect(page.closed).toBe(true);
	});

	it('an opener that throws on postMessage: the popup still closes, and its channel too', () => {
		const page = {
			...createCallbackPage(undefined),
			opener: {
				postMessage() {
					throw new DOMException('gone', 'InvalidStateError');
				},
			},
		};
		const close = vi.fn();
		expect(relayPopupCallback(undefined, { ...page, close })).toBe(true);
		expect(close).toHaveBeenCalledTimes(1);
		expect(openChannels).toBe(0);
	});
});
