import { PopupError } from '../errors.js';
import { requirePositiveTimerDelay } from '../options.js';
import type { BroadcastChannelConstructor } from '../session-channel.js';
import { POPUP_CHANNEL, type PopupCallbackMessage } from './popup-message.js';
import type { PopupWindow, PopupWindowEnv } from './popup-window.js';

export type { PopupWindow };

/** How a popup login waits. */
export interface PopupOptions {
	/** How long the login may take, in ms. Default 5 minutes. */
	readonly timeout?: number | undefined;
	/** Aborting it closes the popup and rejects with the signal's reason. */
	readonly signal?: AbortSignal | undefined;
	/** `window.open` features. Default: a 500x650 `popup`, centred on the opener. */
	readonly features?: string | undefined;
	/**
	 * Poll `popup.closed` (default true). Providers whose login page sends COOP `same-origin` sever the link and make
	 * browsers report the popup closed at once: set false there, and the result still comes by BroadcastChannel.
	 */
	readonly closeDetection?: boolean | undefined;
}

/** What {@link waitForPopupCallback} waits for: the attempt's authorization URL, its `state`, and where it returns. */
export interface PopupWaitOptions extends PopupOptions {
	readonly url: string;
	readonly state: string;
	/** The redirect URI's origin (`new URL(redirectUri).origin`): a `postMessage` from any other origin is ignored. */
	readonly redirectOrigin: string;
}

/** Where the opener's side finds its window: `globalThis` by default, a stand-in in tests. */
export interface PopupEnv extends PopupWindowEnv {
	readonly BroadcastChannel?: BroadcastChannelConstructor | undefined;
	addEventListener?(type: 'message', listener: (event: MessageEvent) => void): void;
	removeEventListener?(type: 'message', listener: (event: MessageEvent) => void): void;
}

const DEFAULT_TIMEOUT = 5 * 60_000;
const CLOSED_POLL = 500;
/** After the popup is seen closed, how long a result it sent just before closing may still take to arrive. */
const CLOSED_GRACE = 1_000;

/** `popup`, or {@link PopupError} `blocked` when the browser gave no window. */
export function requirePopup(popup: PopupWindow | null): PopupWindow {
	if (!popup) {
		throw new PopupError('blocked', 'The browser blocked the login popup: start the login from a click handler, before any await.');
	}
	return popup;
}

/**
 * Sends `popup` to `options.url` and resolves with the callback URL it reached (query and fragment included), as
 * {@link handlePopupCallback} sends it: by `BroadcastChannel` and by `postMessage` from `redirectOrigin`, whichever
 * comes first, with the attempt's `state`. Rejects with {@link PopupError} `closed` when the popup closes without a
 * result (after a grace of 1 s for a message in flight), `timeout` after `options.timeout`, and the signal's reason
 * on abort. Whatever the outcome, the popup is closed and no listener or timer is left behind.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function waitForPopupCallback(
	popup: PopupWindow,
	options: PopupWaitOptions,
	env: PopupEnv = globalThis as PopupEnv,
): Promise<string> {
	return new Promise<string>((resolve, reject) => {
		const cleanups: Array<() => void> = [];
		let done = false;
		const finish = (settle: () => void) => {
			if (done) return;
			done = true;
			for (const cleanup of cleanups) cleanup();
			popup.close();
			settle();
		};
		const fail = (error: unknown) => finish(() => reject(error));
		const take = (data: unknown) => {
			if (isCallbackFor(data, options.state)) finish(() => resolve(data.url));
		};

		const { signal } = options;
		let timeout: number;
		try {
			timeout = options.timeout === undefined ? DEFAULT_TIMEOUT : requirePositiveTimerDelay(options.timeout, 'timeout');
			signal?.throwIfAborted();
		} catch (error) {
			return fail(error);
		}

		if (typeof env.BroadcastChannel === 'function') {
			const channel = new env.BroadcastChannel(POPUP_CHANNEL);
			channel.onmessage = (event) => take(event.data);
			cleanups.push(() => channel.close());
		}
		// No check of `event.source`: the origin and the state are what tell our callback page from another sender.
		const onMessage = (event: MessageEvent) => event.origin === options.redirectOrigin && take(event.data);
		env.addEventListener?.('message', onMessage);
		cleanups.push(() => env.removeEventListener?.('message', onMessage));

		const timer = setTimeout(() => fail(new PopupError('timeout', `The popup login gave no result within ${timeout} ms.`)), timeout);
		cleanups.push(() => clearTimeout(timer));
		if (signal) {
			const onAbort = () => fail(signal.reason);
			signal.addEventListener('abort', onAbort, { once: true });
			cleanups.push(() => signal.removeEventListener('abort', onAbort));
		}
		if (options.closeDetection !== false) {
			const poll = setInterval(() => {
				if (!popup.closed) return;
				clearInterval(poll);
				const grace = setTimeout(
					() => fail(new PopupError('closed', 'The login popup was closed before the login finished.')),
					CLOSED_GRACE,
				);
				cleanups.push(() => clearTimeout(grace));
			}, CLOSED_POLL);
			cleanups.push(() => clearInterval(poll));
		}

		try {
			popup.location.href = options.url;
		} catch (error) {
			fail(error);
		}
	});
}

function isCallbackFor(data: unknown, state: string): data is PopupCallbackMessage {
	const message = data as Partial<PopupCallbackMessage> | null | undefined;
	return message?.type === 'tokenkeeper:popup-callback' && message.state === state && typeof message.url === 'string';
}
