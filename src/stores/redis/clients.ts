import { InvalidOptionError } from '../../errors.js';
import type {
	RedisClientLike,
	RedisClusterClientLike,
	RedisCommandOptions,
	RedisSentinelClientLike,
	RedisSingleClientLike,
} from './client-types.js';

/** One client as the store uses it, whatever its kind: send a command to the node that owns `key`, and say who that is. */
export interface RedisTarget {
	send(args: readonly string[], key: string, options: RedisCommandOptions): Promise<unknown>;
	/** The client says it is closed (`isOpen: false`): a cluster client would fail with a `TypeError` instead. */
	closed(): boolean;
	/** The store for a person, for {@link StoreError.store}: an address at most, never a password. */
	name(): string;
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatAddress(host: string, port: number | string | undefined): string {
	const bare = host.replace(/^\[(.*)\]$/, '$1');
	return `${bare.includes(':') ? `[${bare}]` : bare}:${port ?? 6379}`;
}

/** Host and port of a `redis://` URL, without its user, password or database; `undefined` when it does not parse. */
export function addressOfUrl(url: string): string | undefined {
	if (!URL.canParse(url)) return undefined;
	const { hostname, port } = new URL(url);
	return hostname === '' ? undefined : formatAddress(hostname, port || undefined);
}

/** The address in node-redis client options (`{ url }` or `{ socket: { host, port } }`), when they name one. */
function addressOfOptions(options: unknown): string | undefined {
	const { url, socket } = (options ?? {}) as { url?: unknown; socket?: { host?: unknown; port?: unknown; path?: unknown } };
	if (typeof socket?.path === 'string') return socket.path;
	if (typeof socket?.host === 'string') return formatAddress(socket.host, typeof socket.port === 'number' ? socket.port : undefined);
	return typeof url === 'string' ? addressOfUrl(url) : undefined;
}

function addressOfNode(node: unknown): string | undefined {
	const { host, port } = (node ?? {}) as { host?: unknown; port?: unknown };
	return typeof host === 'string' ? formatAddress(host, typeof port === 'number' ? port : undefined) : undefined;
}

/** Whether `value` has a method `name`: how the kinds of node-redis client are told apart. */
function hasMethod(value: object, name: string): boolean {
	return typeof (value as Record<string, unknown>)[name] === 'function';
}

/**
 * Routing by what each kind of node-redis 5 client can do, not by class name (classes differ between copies of the
 * package and between versions): a cluster client routes by slot (`getSlotRandomNode`), a Sentinel client knows its
 * sentinel (`getSentinelNode`); anything else with `sendCommand(args, options)` is one connection or a pool.
 */
function kindOf(client: object): 'cluster' | 'sentinel' | 'single' {
	if (hasMethod(client, 'getSlotRandomNode')) return 'cluster';
	if (hasMethod(client, 'getSentinelNode')) return 'sentinel';
	return 'single';
}

/** True for anything the store can send commands through. */
export function isRedisClient(value: unknown): value is RedisClientLike {
	return typeof value === 'object' && value !== null && hasMethod(value, 'sendCommand');
}

/**
 * The store's view of a client you passed. Every command goes to the primary (`isReadonly: false`), replicas
 * configured or not: the manager re-reads the session inside its lock, and a replica that lags would hand it a
 * refresh token that was already used.
 */
export function targetForClient(client: RedisClientLike): RedisTarget {
	const closed = () => (client as { isOpen?: unknown }).isOpen === false;
	switch (kindOf(client)) {
		case 'cluster': {
			const cluster = client as RedisClusterClientLike;
			// The key first: the cluster client sends the command to the node that owns its slot.
			const send = (args: readonly string[], key: string, options: RedisCommandOptions) =>
				cluster.sendCommand(key, false, [...args], options);
			return { send, closed, name: () => clusterName(cluster) };
		}
		case 'sentinel': {
			const sentinel = client as RedisSentinelClientLike;
			const send = (args: readonly string[], _key: string, options: RedisCommandOptions) => sentinel.sendCommand(false, [...args], options);
			return { send, closed, name: () => sentinelName(sentinel) };
		}
		default: {
			const single = client as RedisSingleClientLike;
			// A cluster or Sentinel client this version cannot recognise would take the arguments for a routing key.
			if (single.sendCommand.length > 2) {
				throw new InvalidOptionError(
					'client',
					'Expected `client` to be a node-redis client from `createClient()`, `createCluster()` or `createSentinel()`, got one ' +
						'whose `sendCommand` takes more than (args, options): the store cannot tell how to route commands',
				);
			}
			const send = (args: readonly string[], _key: string, options: RedisCommandOptions) => single.sendCommand(args, options);
			return { send, closed, name: () => singleName(single) };
		}
	}
}

function singleName(client: RedisSingleClientLike): string {
	const address = addressOfOptions((client as { options?: unknown }).options);
	return address ? `Redis at ${address}` : 'Redis (your client)';
}

function clusterName(cluster: RedisClusterClientLike): string {
	const rootNodes = (cluster as { _options?: { rootNodes?: unknown } })._options?.rootNodes;
	const nodes = Array.isArray(rootNodes) ? rootNodes : [];
	const first = addressOfOptions(nodes[0]);
	if (!first) return 'Redis Cluster (your client)';
	return nodes.length > 1 ? `Redis Cluster at ${first} (first of ${nodes.length} root nodes)` : `Redis Cluster at ${first}`;
}

function sentinelName(sentinel: RedisSentinelClientLike): string {
	const master = addressOfNode(sentinel.getMasterNode?.());
	if (master) return `Redis at ${master} (primary from Sentinel)`;
	const via = addressOfNode(sentinel.getSentinelNode());
	return via ? `Redis via Sentinel at ${via}` : 'Redis Sentinel (your client)';
}
