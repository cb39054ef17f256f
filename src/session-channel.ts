/** What one tab tells the others about a session: it signed in, or it signed out. `key` names the session. */
export type SessionMessage = { readonly type: 'signed-in' | 'signed-out'; readonly key: string };

/** A line between the tabs of one origin, for {@link SessionMessage}s. */
export interface SessionChannel {
	/** Tell every other tab; this channel's own listeners are not called. Best effort: a full storage drops it. */
	post(message: SessionMessage): void;
	/** Call `listener` with each message another tab posts; returns the function that removes it. */
	on(listener: (message: SessionMessage) => void): () => void;
	/** Stop listening and release the channel; `post` does nothing afterwards. */
	close(): void;
}

/** The part of a `BroadcastChannel` tokenkeeper uses. */
export interface BroadcastChannelLike {
	postMessage(message: unknown): void;
	onmessage: ((event: MessageEvent) => void) | null;
	close(): void;
}

/** The `BroadcastChannel` constructor, or a stand-in for tests. */
export type BroadcastChannelConstructor = new (name: string) => BroadcastChannelLike;

/** The part of a `storage` event the fallback reads. */
export interface StorageEventLike {
	readonly key: string | null;
	readonly newValue: string | null;
}

/** Where {@link createSessionChannel} finds the browser: `globalThis` by default, a stand-in in tests. */
export interface SessionChannelEnv {
	readonly BroadcastChannel?: BroadcastChannelConstructor | undefined;
	readonly localStorage?: { setItem(key: string, value: string): void; removeItem(key: string): void } | undefined;
	addEventListener?(type: 'storage', listener: (event: StorageEventLike) => void): void;
	removeEventListener?(type: 'storage', listener: (event: StorageEventLike) => void): void;
}

const NAME = 'tokenkeeper:session';

/** True for a well-formed {@link SessionMessage}; anything else on the channel is someone else's and is ignored. */
export function isSessionMessage(value: unknown): value is SessionMessage {
	const message = value as Partial<SessionMessage> | null | undefined;
	return (message?.type === 'signed-in' || message?.type === 'signed-out') && typeof message.key === 'string';
}

/**
 * Tabs of one origin telling each other about a session: the `BroadcastChannel` `tokenkeeper:session`, else the
 * `storage` events of `localStorage` (a key written then removed at once; browsers fire them in every other tab
 * of the origin, never in the writer's); `undefined` where neither exists (Node without them, some workers).
 * A channel never hears its own posts, and a message that is not a {@link SessionMessage} is ignored.
 * @example
 * const channel = createSessionChannel();
 * channel?.on(({ type, key }) => type === 'signed-out' && key === session && showSignedOut());
 */
export function createSessionChannel(env: SessionChannelEnv = globalThis as SessionChannelEnv): SessionChannel | undefined {
	const listeners = new Set<(message: SessionMessage) => void>();
	const deliver = (data: unknown) => {
		if (!isSessionMessage(data)) return;
		const message: SessionMessage = Object.freeze({ type: data.type, key: data.key });
		for (const listener of [...listeners]) listener(message);
	};
	const transport = broadcastTransport(env, deliver) ?? storageTransport(env, deliver);
	if (!transport) return undefined;
	let open = true;
	return {
		post(message) {
			// A fresh object: whatever else the caller's object holds stays in this tab.
			if (open) transport.post({ type: message.type, key: message.key });
		},
		on(listener) {
			listeners.add(listener);
			return () => void listeners.delete(listener);
		},
		close() {
			if (!open) return;
			open = false;
			listeners.clear();
			transport.close();
		},
	};
}

interface Transport {
	post(message: SessionMessage): void;
	close(): void;
}

function broadcastTransport(env: SessionChannelEnv, deliver: (data: unknown) => void): Transport | undefined {
	if (typeof env.BroadcastChannel !== 'function') return undefined;
	const channel = new env.BroadcastChannel(NAME);
	channel.onmessage = (event) => deliver(event.data);
	// Node's channel would keep the process alive until closed; a listener for other tabs must not.
	(channel as { unref?(): void }).unref?.();
	return { post: (message) => channel.postMessage(message), close: () => channel.close() };
}

function storageTransport(env: SessionChannelEnv, deliver: (data: unknown) => void): Transport | undefined {
	let storage: SessionChannelEnv['localStorage'];
	try {
		// Reading `localStorage` throws where storage is blocked (sandboxed frames, cookies off).
		storage = env.localStorage;
	} catch {
		return undefined;
	}
	const { addEventListener, removeEventListener } = env;
	if (!storage || typeof addEventListener !== 'function' || typeof removeEventListener !== 'function') return undefined;
	const onStorage = (event: StorageEventLike) => {
		// The removal that follows each write fires an event too, with no value: that one carries nothing.
		if (event.key !== NAME || event.newValue === null) return;
		try {
			deliver(JSON.parse(event.newValue));
		} catch {
			// Not JSON: not ours.
		}
	};
	addEventListener.call(env, 'storage', onStorage);
	return {
		post(message) {
			try {
				// Removed at once: nothing stays behind, and the next write, even of the same message, is a change.
				storage.setItem(NAME, JSON.stringify(message));
				storage.removeItem(NAME);
			} catch {
				// Full or blocked storage: the other tabs find out on their next read of the store.
			}
		},
		close: () => removeEventListener.call(env, 'storage', onStorage),
	};
}
