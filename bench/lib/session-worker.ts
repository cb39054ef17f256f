// One worker process of the shared-session benchmarks: its own manager on one Dotkernel session in Redis, its own
// callers, its own records. Started by session-workers.ts (`node --import tsx`, IPC); it answers each message of
// session-protocol.ts with one message, and exits when told to or when its parent goes away.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { createClient as createRedisClient } from 'redis';
import { createClient, createTokenManager, dotkernel } from 'tokenkeeper';
import { RedisTokenStore } from 'tokenkeeper/redis';
import { type CallTiming, CallLog } from './call-log.js';
import { observeStore } from './observed-store.js';
import type { FirstSuccess, FromWorker, SessionWorkerConfig, StoreTransition, ToWorker } from './session-protocol.js';

const send = (message: FromWorker) => process.send!(message);

/** The error's `code` (ERR_STORE…), `HTTP <status>` for an HTTP error, else its name. */
function codeOf(error: unknown): string {
	const value = error as { code?: unknown; name?: unknown; response?: { status?: unknown } } | undefined;
	if (value?.name === 'HTTPError' && typeof value.response?.status === 'number') return `HTTP ${value.response.status}`;
	if (typeof value?.code === 'string') return value.code;
	return typeof value?.name === 'string' ? value.name : String(error);
}

const currentCall = new AsyncLocalStorage<CallTiming>();

/**
 * The API's fetch, timed: what a call spends outside its HTTP round trips, before a request leaves, is the
 * manager getting it a token (a store read, a token request, the lock) plus ky's own work, which is tiny. Unlike the
 * whole call's latency, it does not grow when the API answers slowly because the machine is saturated.
 */
const timedFetch: typeof fetch = async (input, init) => {
	const timing = currentCall.getStore();
	if (timing) {
		timing.waitMs += performance.now() - timing.mark;
		timing.sends += 1;
	}
	try {
		return await globalThis.fetch(input, init);
	} finally {
		if (timing) timing.mark = performance.now();
	}
};

function setUp(config: SessionWorkerConfig) {
	const options = { keyPrefix: config.keyPrefix, commandTimeout: config.commandTimeout };
	let redisClient: ReturnType<typeof createRedisClient> | undefined;
	let store: RedisTokenStore;
	if (config.connection === 'client') {
		redisClient = createRedisClient({ url: config.redisUrl });
		// What an app that keeps its own client does: log errors (an unhandled 'error' event would crash it) and
		// connect without waiting, since connect() does not resolve while Redis is down.
		redisClient.on('error', () => undefined);
		redisClient.connect().catch(() => undefined);
		store = new RedisTokenStore({ client: redisClient }, options);
	} else {
		store = new RedisTokenStore({ url: config.redisUrl }, options);
	}
	const transitions: StoreTransition[] = [];
	const { url, clientId, clientSecret, username, password } = config.dotkernel;
	const manager = createTokenManager(
		dotkernel({ url, clientId, clientSecret, username, credentials: async () => ({ username, password }) }),
		{ store: observeStore(store, transitions), refreshAhead: config.refreshAhead, storeFailure: config.storeFailure },
	);
	const errorEvents: Record<string, number> = {};
	const tokenEvents: Record<string, number> = {};
	manager.on('error', ({ error }) => {
		const code = codeOf(error);
		errorEvents[code] = (errorEvents[code] ?? 0) + 1;
	});
	manager.on('token', ({ source }) => {
		tokenEvents[source] = (tokenEvents[source] ?? 0) + 1;
	});
	const api = createClient({ prefixUrl: `${url}/`, auth: manager, fetch: timedFetch });
	return {
		manager,
		callApi: () => api.get('user/my-account').json(),
		/** One API call with its timing recorded. */
		timedCall: (timing: CallTiming) => currentCall.run(timing, () => api.get('user/my-account').json()),
		transitions,
		errorEvents,
		tokenEvents,
		async close() {
			await store.close();
			if (redisClient?.isOpen) redisClient.destroy();
		},
	};
}

/** Times one call: its outcome as an Attempt. */
async function attempt(work: () => Promise<unknown>): Promise<{ ms: number; code?: string }> {
	const begin = performance.now();
	try {
		await work();
		return { ms: performance.now() - begin };
	} catch (error) {
		return { ms: performance.now() - begin, code: codeOf(error) };
	}
}

let session: ReturnType<typeof setUp> | undefined;
let config: SessionWorkerConfig | undefined;
const log = new CallLog();

async function handle(message: ToWorker): Promise<void> {
	switch (message.type) {
		case 'config':
			config = message.config;
			session = setUp(config);
			send({ type: 'configured' });
			return;
		case 'warm-up': {
			const outcome = await attempt(() => session!.manager.getToken());
			send({ type: 'ready', error: outcome.code });
			return;
		}
		case 'probe': {
			const getToken = await attempt(() => session!.manager.getToken());
			const api = await attempt(session!.callApi);
			send({ type: 'probed', getToken, api });
			return;
		}
		case 'poll': {
			const first: { -readonly [K in keyof FirstSuccess]: FirstSuccess[K] } = {};
			let attempts = 0;
			let lastCodes: string[] = [];
			while (Date.now() < message.until && (first.getToken === undefined || first.api === undefined || first.store === undefined)) {
				attempts += 1;
				const getToken = await attempt(() => session!.manager.getToken());
				if (getToken.code === undefined) first.getToken ??= Date.now();
				const api = await attempt(session!.callApi);
				if (api.code === undefined) first.api ??= Date.now();
				first.store ??= session!.transitions.find((transition) => transition.ok && transition.at >= message.since)?.at;
				lastCodes = [getToken.code ?? 'ok', api.code ?? 'ok'];
				await new Promise((resolve) => setTimeout(resolve, message.every));
			}
			send({ type: 'polled', first, attempts, lastCodes });
			return;
		}
		case 'run': {
			const caller = async () => {
				while (Date.now() < message.until) {
					const start = Date.now();
					const begin = performance.now();
					const timing: CallTiming = { mark: begin, waitMs: 0, sends: 0 };
					const outcome = await attempt(() => session!.timedCall(timing));
					log.add(start, Date.now(), performance.now() - begin, outcome.code, timing);
					// A failure that comes back at once (no Redis, no token) must not turn the loop into a busy spin.
					if (outcome.code !== undefined && outcome.ms < 1) await new Promise((resolve) => setTimeout(resolve, 1));
				}
			};
			await Promise.all(Array.from({ length: config!.callers }, caller));
			send({ type: 'ran' });
			return;
		}
		case 'report':
			send({
				type: 'report',
				report: log.report(message.marks ?? [], {
					errorEvents: session!.errorEvents,
					tokenEvents: session!.tokenEvents,
					storeTransitions: session!.transitions,
				}),
			});
			return;
		case 'exit':
			await session?.close().catch(() => undefined);
			process.exit(0);
	}
}

process.on('message', (message: ToWorker) => {
	handle(message).catch((error: unknown) => {
		console.error(`session worker ${process.pid}: ${String(error)}`);
		process.exit(1);
	});
});
// The benchmark went away (crash, watchdog): do not linger.
process.on('disconnect', () => process.exit(0));
