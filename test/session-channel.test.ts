import { afterEach, describe, expect, it } from 'vitest';
import {
	createSessionChannel,
	type SessionChannel,
	type SessionChannelEnv,
	type SessionMessage,
	type StorageEventLike,
} from '../src/session-channel.js';

const NAME = 'tokenkeeper:session';
const opened: Array<{ close(): void }> = [];
afterEach(() => {
	for (const channel of opened.splice(0)) channel.close();
});

/** Node's BroadcastChannel works within one process: each instance stands for one tab. */
function tab(env: SessionChannelEnv = { BroadcastChannel }): SessionChannel {
	const channel = createSessionChannel(env);
	if (!channel) throw new Error('expected a channel');
	opened.push(channel);
	return channel;
}

function rawChannel(): BroadcastChannel {
	const channel = new BroadcastChannel(NAME);
	opened.push(channel);
	return channel;
}

/** Every message `channel` hears, and a promise of the `count`-th one (bounded: 2 s). */
function record(channel: SessionChannel) {
	const heard: SessionMessage[] = [];
	const waiters: Array<{ count: number; resolve: () => void }> = [];
	channel.on((message) => {
		heard.push(message);
		for (const waiter of waiters) if (heard.length >= waiter.count) waiter.resolve();
	});
	const reach = (count: number) =>
		new Promise<void>((resolve, reject) => {
			if (heard.length >= count) return resolve();
			const timer = setTimeout(() => reject(new Error(`heard ${heard.length} of ${count} messages`)), 2_000);
			waiters.push({
				count,
				resolve: () => {
					clearTimeout(timer);
					resolve();
				},
			});
		});
	return { heard, reach };
}

/**
 * The tabs of one origin without BroadcastChannel: one shared localStorage whose writes fire `storage` in every
 * other tab (never the writer's), as browsers do; each tab counts its storage listeners.
 */
function createOrigin() {
	const items = new Map<string, string>();
	const tabs: Array<{ listeners: Set<(event: StorageEventLike) => void> }> = [];
	const fire = (writer: unknown, event: StorageEventLike) => {
		for (const other of tabs) if (other !== writer) for (const listener of [...other.listeners]) listener(event);
	};
	return {
		items,
		tab(options: { full?: boolean } = {}) {
			const self = { listeners: new Set<(event: StorageEventLike) => void>() };
			tabs.push(self);
			const env = {
				listeners: self.listeners,
				localStorage: {
					setItem(key: string, value: string) {
						if (options.full) throw new DOMException('full', 'QuotaExceededError');
						items.set(key, value);
						fire(self, { key, newValue: value });
					},
					removeItem(key: string) {
						items.delete(key);
						fire(self, { key, newValue: null });
					},
				},
				addEventListener: (_type: 'storage', listener: (event: StorageEventLike) => void) => void self.listeners.add(listener),
				removeEventListener: (_type: 'storage', listener: (event: StorageEventLike) => void) => void self.listeners.delete(listener),
				/** A write by a script that is not tokenkeeper, in another tab. */
				foreign: (event: StorageEventLike) => fire(undefined, event),
			};
			return env;
		},
	};
}

describe('createSessionChannel over BroadcastChannel', () => {
	it('cross-tab: a message posted in one tab reaches the others, as { type, key } only', async () => {
		const [a, b, c] = [tab(), tab(), tab()];
		const [atB, atC] = [record(b), record(c)];
		a.post({ type: 'signed-out', key: 'sqowey:alice', extra: 'stays here' } as SessionMessage);
		await Promise.all([atB.reach(1), atC.reach(1)]);
		expect(atB.heard).toEqual([{ type: 'signed-out', key: 'sqowey:alice' }]);
		expect(atC.heard).toEqual([{ type: 'signed-out', key: 'sqowey:alice' }]);
		expect(Object.isFrozen(atB.heard[0])).toBe(true);
	});

	it('own posts: a channel never hears what it posted itself', async () => {
		const [a, b] = [tab(), tab()];
		const [atA, atB] = [record(a), record(b)];
		a.post({ type: 'signed-in', key: 'k' });
		a.post({ type: 'signed-out', key: 'k' });
		await atB.reach(2);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(atA.heard).toEqual([]);
		expect(atB.heard.map((message) => message.type)).toEqual(['signed-in', 'signed-out']);
	});

	it('foreign messages: anything on the channel that is not a session message is ignored', async () => {
		const a = tab();
		const atA = record(a);
		const foreign = rawChannel();
		for (const data of [null, 'signed-out', { type: 'logout', key: 'k' }, { type: 'signed-out' }, { type: 'signed-out', key: 7 }]) {
			foreign.postMessage(data);
		}
		// Messages of one sender arrive in order: once the last one is heard, the foreign ones were all seen.
		foreign.postMessage({ type: 'signed-in', key: 'last' });
		await atA.reach(1);
		expect(atA.heard).toEqual([{ type: 'signed-in', key: 'last' }]);
	});

	it('on() returns its removal; close() stops hearing, and post() after close does nothing', async () => {
		const [a, b] = [tab(), tab()];
		const removed: SessionMessage[] = [];
		const remove = b.on((message) => removed.push(message));
		remove();
		const atB = record(b);
		const watcher = record(tab());
		b.close();
		b.post({ type: 'signed-out', key: 'after-close' });
		a.post({ type: 'signed-out', key: 'k' });
		await watcher.reach(1);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(removed).toEqual([]);
		expect(atB.heard).toEqual([]);
		expect(watcher.heard).toEqual([{ type: 'signed-out', key: 'k' }]);
	});

	it('transport: BroadcastChannel is preferred when localStorage is there too (no storage listener)', () => {
		const origin = createOrigin();
		const env = origin.tab();
		tab({ ...env, BroadcastChannel });
		expect(env.listeners.size).toBe(0);
	});
});

describe('createSessionChannel over storage events (no BroadcastChannel)', () => {
	it('storage fallback: a post in one tab reaches the others, and leaves nothing in localStorage', () => {
		const origin = createOrigin();
		const [a, b, c] = [tab(origin.tab()), tab(origin.tab()), tab(origin.tab())];
		const [atA, atB, atC] = [record(a), record(b), record(c)];
		a.post({ type: 'signed-out', key: 'sqowey:alice' });
		a.post({ type: 'signed-out', key: 'sqowey:alice' });
		expect(atB.heard).toEqual([
			{ type: 'signed-out', key: 'sqowey:alice' },
			{ type: 'signed-out', key: 'sqowey:alice' },
		]);
		expect(atC.heard).toHaveLength(2);
		expect(atA.heard).toEqual([]);
		expect(origin.items.size).toBe(0);
	});

	it('storage fallback: foreign keys, non-JSON values and malformed messages are ignored', () => {
		const origin = createOrigin();
		const env = origin.tab();
		const atA = record(tab(env));
		env.foreign({ key: 'other-key', newValue: JSON.stringify({ type: 'signed-out', key: 'k' }) });
		env.foreign({ key: NAME, newValue: 'not json {' });
		env.foreign({ key: NAME, newValue: JSON.stringify({ type: 'wipe', key: 'k' }) });
		env.foreign({ key: null, newValue: null });
		expect(atA.heard).toEqual([]);
	});

	it('storage fallback: a full storage drops the post without throwing', () => {
		const origin = createOrigin();
		const atB = record(tab(origin.tab()));
		const full = tab(origin.tab({ full: true }));
		expect(() => full.post({ type: 'signed-out', key: 'k' })).not.toThrow();
		expect(atB.heard).toEqual([]);
	});

	it('cleanup: close() removes the one storage listener it added', () => {
		const origin = createOrigin();
		const env = origin.tab();
		const channel = createSessionChannel(env)!;
		expect(env.listeners.size).toBe(1);
		channel.close();
		channel.close();
		expect(env.listeners.size).toBe(0);
	});
});

describe('createSessionChannel where neither exists', () => {
	it('no BroadcastChannel and no localStorage (Node without them): undefined', () => {
		expect(createSessionChannel({})).toBeUndefined();
		expect(createSessionChannel({ addEventListener() {}, removeEventListener() {} })).toBeUndefined();
	});

	it('a localStorage that throws when read (storage blocked): undefined, not an error', () => {
		const env = {
			get localStorage(): never {
				throw new DOMException('blocked', 'SecurityError');
			},
			addEventListener() {},
			removeEventListener() {},
		};
		expect(createSessionChannel(env)).toBeUndefined();
	});

	it('default env: globalThis (Node 20 has BroadcastChannel), which does not keep the process alive', () => {
		const before = process.getActiveResourcesInfo().filter((type) => type === 'MessagePort').length;
		const channel = createSessionChannel();
		expect(channel).toBeDefined();
		channel?.on(() => undefined);
		expect(process.getActiveResourcesInfo().filter((type) => type === 'MessagePort')).toHaveLength(before);
		channel?.close();
	});
});
