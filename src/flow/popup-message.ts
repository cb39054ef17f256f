/** The `BroadcastChannel` both sides of a popup login use: it reaches the opener even where COOP cut the link. */
export const POPUP_CHANNEL = 'tokenkeeper:popup';

/** What the callback page in the popup sends to the opener: the URL it reached, and that URL's `state`. */
export interface PopupCallbackMessage {
	readonly type: 'tokenkeeper:popup-callback';
	readonly state: string;
	readonly url: string;
}
