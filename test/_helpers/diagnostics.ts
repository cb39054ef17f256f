import diagnostics from 'node:diagnostics_channel';
import { DiagnosticsChannel } from '../../src/diagnostics/channels.js';

/** One message seen on a channel: the channel, the tracing phase (or `publish`), and a copy of the message then. */
export interface SeenMessage {
	readonly channel: string;
	readonly phase: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error' | 'publish';
	readonly message: Record<string, unknown>;
	/** The message object itself (its fields change while a traced operation runs). */
	readonly live: object;
}

const TRACING = [DiagnosticsChannel.TokenRequest, DiagnosticsChannel.LockWait, DiagnosticsChannel.Store] as const;
const PLAIN = [DiagnosticsChannel.ApiRetry, DiagnosticsChannel.NearCacheHit, DiagnosticsChannel.RefreshAhead] as const;

/** Subscribe to every tokenkeeper channel and keep every message, in order; `stop()` unsubscribes. */
export function recordChannels() {
	const seen: SeenMessage[] = [];
	const copy = (message: unknown) => ({ ...(message as Record<string, unknown>) });
	const tracing = TRACING.map((name) => {
		const on = (phase: SeenMessage['phase']) => (message: unknown) =>
			seen.push({ channel: name, phase, message: copy(message), live: message as object });
		const handlers = {
			start: on('start'),
			end: on('end'),
			asyncStart: on('asyncStart'),
			asyncEnd: on('asyncEnd'),
			error: on('error'),
		};
		diagnostics.tracingChannel(name).subscribe(handlers);
		return () => diagnostics.tracingChannel(name).unsubscribe(handlers);
	});
	const plain = PLAIN.map((name) => {
		const handler = (message: unknown) => seen.push({ channel: name, phase: 'publish', message: copy(message), live: message as object });
		diagnostics.subscribe(name, handler);
		return () => diagnostics.unsubscribe(name, handler);
	});
	return {
		seen,
		/** The messages of `channel` at `phase` (`asyncEnd`: each traced operation once, as it ended). */
		on(channel: string, phase: SeenMessage['phase']) {
			return seen.filter((entry) => entry.channel === channel && entry.phase === phase).map((entry) => entry.message);
		},
		clear() {
			seen.length = 0;
		},
		stop() {
			for (const unsubscribe of [...tracing, ...plain]) unsubscribe();
		},
	};
}
