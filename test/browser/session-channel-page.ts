import { createSessionChannel, type SessionMessage } from '../../src/session-channel.js';

declare global {
	interface Window {
		heard: SessionMessage[];
		postSession(message: SessionMessage): void;
	}
}

// `?storage`: without BroadcastChannel, as in a browser that lacks it, so the storage-event fallback carries messages.
const env = new URLSearchParams(location.search).has('storage')
	? { localStorage, addEventListener: addEventListener.bind(window), removeEventListener: removeEventListener.bind(window) }
	: undefined;
const channel = createSessionChannel(env);
window.heard = [];
channel?.on((message) => window.heard.push(message));
window.postSession = (message) => channel?.post(message);
