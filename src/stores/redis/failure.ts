import { StoreError } from '../../errors.js';

/** What the store knew when a Redis command failed, for the message. */
export interface RedisFailureContext {
	/** The store for a person, as {@link StoreError.store}: `Redis at 10.0.0.5:6379`, never a password. */
	readonly store: string;
	/** The command's name (`GET`, `SET`, `EVAL`…), never its arguments: they hold tokens. */
	readonly command: string;
	readonly commandTimeout: number;
	/** The store's deadline passed before the command settled. */
	readonly timedOut: boolean;
	/** The client is the store's own (`{ url }`): it reconnects for ever, and never queues while offline. */
	readonly owned: boolean;
	/** The store's own client has not connected yet since the store opened it. */
	readonly neverConnected: boolean;
}

/**
 * Hints for the error codes Redis answers with (the first word of an error reply). The rest of a reply is never
 * copied into a message: `ERR unknown command 'EVAL', with args beginning with: …` echoes arguments, tokens included.
 */
const REPLY_HINTS: Readonly<Record<string, string>> = {
	NOAUTH: 'check the user and password (in `url`, or in the options of your client)',
	WRONGPASS: 'check the user and password (in `url`, or in the options of your client)',
	NOPERM: 'give the ACL user the commands the store sends: GET, SET, DEL, EVAL (and the keys under `keyPrefix`)',
	READONLY: 'the node is a replica now, probably during a failover: try again once the new primary is known',
	MASTERDOWN: 'the replica lost its primary, probably during a failover: try again shortly',
	CLUSTERDOWN: 'the cluster cannot serve this slot, probably during a failover: try again shortly',
	TRYAGAIN: 'the cluster is moving this slot: try again shortly',
	LOADING: 'Redis is loading its data set after a restart: try again shortly',
	BUSY: 'a long-running script blocks Redis: try again shortly',
	OOM: 'Redis reached `maxmemory` and its eviction policy refuses writes: free memory or raise `maxmemory`',
};

const UNKNOWN_COMMAND = /^ERR unknown command/;

/** Node.js system error codes (`ECONNREFUSED`…) say why a connection failed without naming anything secret. */
function systemCode(error: unknown): string | undefined {
	const code = (error as { code?: unknown } | null)?.code;
	if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
	// Node 20 tries each address of `localhost` (IPv6 and IPv4) and reports all of them at once.
	const first = (error as { errors?: unknown } | null)?.errors;
	return Array.isArray(first) ? systemCode(first[0]) : undefined;
}

// node-redis's own connection errors, by message: its classes have no `name`, and the user's copy of node-redis may
// not be the one this package could import.
const DRIVER_REASONS: Readonly<Record<string, string>> = {
	'The client is offline': 'not connected',
	'Socket closed unexpectedly': 'connection lost',
	'Connection timeout': 'connect timed out',
	'All the root nodes are unavailable': 'no cluster node answered',
	'Disconnects client': 'client destroyed',
};

function message(error: unknown): string {
	return error instanceof Error ? error.message : '';
}

/** An error reply from Redis: its message starts with an upper-case code (`WRONGPASS invalid username-password…`). */
function replyCode(error: unknown): string | undefined {
	return /^([A-Z][A-Z_-]+)(?:\s|$)/.exec(message(error))?.[1];
}

/**
 * A reply that echoes the command's arguments, cut before them, since they hold tokens (`cause` is printed with
 * the error); any other error is kept as the driver made it.
 */
function safeCause(error: unknown): unknown {
	const text = message(error);
	const echo = text.indexOf(', with args beginning with');
	if (echo < 0) return error;
	const cut = new Error(`${text.slice(0, echo)}, with args beginning with: [redacted by tokenkeeper]`);
	cut.name = (error as Error).name;
	return cut;
}

/**
 * One failed Redis command as a {@link StoreError} that says what happened and what to do, names the store without
 * a password, and keeps the driver's error as `cause`.
 */
export function redisStoreError(error: unknown, context: RedisFailureContext): StoreError {
	const { store, command, commandTimeout } = context;
	const options = { store, cause: safeCause(error) };
	const comesBack = context.owned
		? 'the store keeps reconnecting and works again once Redis answers'
		: 'your client reconnects as its `reconnectStrategy` allows';

	// Redis answered with an error: a refusal, even when it came as the last connection error of a call that timed out.
	const code = replyCode(error);
	if (code !== undefined) {
		const hint = UNKNOWN_COMMAND.test(message(error))
			? 'this server does not offer the command (renamed or disabled?); the store needs GET, SET, DEL and EVAL'
			: (REPLY_HINTS[code] ?? 'see `cause` for what Redis said');
		const what = context.neverConnected ? 'refused the connection' : `refused ${command}`;
		return new StoreError(`${store} ${what} (${code}): ${hint}.`, options);
	}
	if (message(error) === 'The client is closed') return closedClientError(store, options.cause);
	const reason = systemCode(error) ?? DRIVER_REASONS[message(error)];
	if (context.timedOut && context.neverConnected) {
		return new StoreError(
			`${store} could not be reached within ${commandTimeout} ms${reason ? ` (${reason})` : ''}: check that Redis is running and ` +
				`reachable at that address, or raise \`commandTimeout\`; ${comesBack}.`,
			options,
		);
	}
	if (context.timedOut) {
		return new StoreError(
			`${store} did not answer ${command} within ${commandTimeout} ms: check that Redis is running and reachable, ` +
				`or raise \`commandTimeout\`; ${comesBack}.`,
			options,
		);
	}
	if (reason) {
		return new StoreError(`${store} is unreachable (${reason}): check that Redis is running and reachable; ${comesBack}.`, options);
	}
	return new StoreError(
		`${store} failed on ${command} (see \`cause\`): check that Redis is running and reachable, and that the client works.`,
		options,
	);
}

/** Your client is closed, or was never connected: no command can be sent through it. */
export function closedClientError(store: string, cause?: unknown): StoreError {
	return new StoreError(
		`${store}: the client is closed. Connect it (\`await client.connect()\`) before using the store, and close it only after the store.`,
		{ store, cause },
	);
}

/** The store was closed: later calls fail at once, without a command. */
export function closedStoreError(store: string): StoreError {
	return new StoreError(`This RedisTokenStore (${store}) is closed: create a new one.`, { store });
}
