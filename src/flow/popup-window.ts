/** The popup a popup login runs in: what the opener does with it. */
export interface PopupWindow {
	readonly closed: boolean;
	close(): void;
	readonly location: { href: string };
}

/** Where a popup is opened from: `window` in a browser, a fake in tests. */
export interface PopupWindowEnv {
	open?(url: string, target: string, features: string): PopupWindow | null;
	readonly screenX?: number;
	readonly screenY?: number;
	readonly outerWidth?: number;
	readonly outerHeight?: number;
}

const WIDTH = 500;
const HEIGHT = 650;

/**
 * Open the login popup on `about:blank` now, synchronously: a browser opens one only within the click that asked for it,
 * so this runs before anything is awaited, and the popup is sent to the provider once the URL is made. `null` when the
 * browser blocked it. Default: 500x650, centred on the opener.
 */
export function openPopupWindow(features?: string, env: PopupWindowEnv = globalThis as PopupWindowEnv): PopupWindow | null {
	const left = Math.round((env.screenX ?? 0) + ((env.outerWidth ?? WIDTH) - WIDTH) / 2);
	const top = Math.round((env.screenY ?? 0) + ((env.outerHeight ?? HEIGHT) - HEIGHT) / 2);
	return env.open?.('about:blank', '_blank', features ?? `popup,width=${WIDTH},height=${HEIGHT},left=${left},top=${top}`) ?? null;
}
