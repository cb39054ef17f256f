import { fork } from 'node:child_process';
import { once } from 'node:events';

/** What the loopback server has seen: every request, and the ones that would make the measurement invalid. */
export interface LoopbackStats {
	requests: number;
	/** Requests whose Authorization was not exactly `Bearer fixed`. */
	wrongAuthorization: number;
	/** Requests to anything but `/x` (e.g. a token endpoint). */
	otherPaths: number;
}

export interface Loopback {
	readonly url: string;
	stats(): Promise<LoopbackStats>;
	close(): Promise<void>;
}

/** Starts `loopback-server.mjs` in a child process on 127.0.0.1, port 0. */
export async function startLoopback(expectedAuthorization: string): Promise<Loopback> {
	const child = fork(new URL('./loopback-server.mjs', import.meta.url), [], {
		// No tsx loader, no inherited --cpu-prof: the server is plain JS and is not what we measure.
		execArgv: [],
		env: { ...process.env, EXPECTED_AUTHORIZATION: expectedAuthorization },
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const next = async <T>(type: string): Promise<T> => {
		for (;;) {
			const [message] = (await once(child, 'message')) as [{ type: string } & Record<string, unknown>];
			if (message.type === type) return message as T;
		}
	};
	const { port } = await next<{ port: number }>('listening');
	return {
		url: `http://127.0.0.1:${port}`,
		async stats() {
			const reply = next<{ stats: LoopbackStats }>('stats');
			child.send('stats');
			return (await reply).stats;
		},
		async close() {
			const exited = once(child, 'exit');
			child.send('close');
			const timer = setTimeout(() => child.kill(), 5_000);
			await exited;
			clearTimeout(timer);
		},
	};
}
