/**
 * Several worker processes (Node's `cluster`) sharing one Dotkernel session through Redis: one login for all of
 * them, and one refresh at a time, since Dotkernel's refresh tokens work once and a second use would be refused.
 *
 *   npm run example:cluster                           # local emulator + a throwaway redis-server (apt-get install redis-server)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:cluster
 *   REDIS_CLUSTER_NODES=redis://127.0.0.1:7000,redis://127.0.0.1:7001 npm run example:cluster   # a Redis Cluster
 *   REDIS_URL=… DOTKERNEL_URL=https://api.example.net DOTKERNEL_USERNAME=… TOKENKEEPER_PASSWORD=… npm run example:cluster
 */
import { spawn, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { createCluster } from 'redis';
import { createClient, createTokenManager, dotkernel, isStoreError } from 'tokenkeeper';
import { RedisTokenStore } from 'tokenkeeper/redis';
import { createEmulator, type Emulator } from 'tokenkeeper/testing';

const WORKERS = 4;
const CALLS = 10;

type ToWorker = { readonly cmd: 'calls' } | { readonly cmd: 'exit' };
interface FromWorker {
	readonly ok: number;
	readonly failed: number;
	/** The first failure's message (tokenkeeper's messages hold no secret), e.g. an `ERR_STORE` naming Redis. */
	readonly firstError?: string;
}

/** The store: on a Redis Cluster (a node-redis cluster client of our own) when REDIS_CLUSTER_NODES is set, else REDIS_URL. */
async function openStore(env: NodeJS.ProcessEnv): Promise<{ store: RedisTokenStore; close(): Promise<void> }> {
	if (!env.REDIS_CLUSTER_NODES) {
		const store = new RedisTokenStore({ url: env.REDIS_URL! });
		return { store, close: () => store.close() };
	}
	const cluster = createCluster({ rootNodes: env.REDIS_CLUSTER_NODES.split(',').map((url) => ({ url })) });
	// A lost node surfaces as a StoreError from the store; without a listener node-redis would end the process.
	cluster.on('error', (error: unknown) => console.warn(`  worker ${process.pid}: Redis Cluster: ${String(error)}`));
	await cluster.connect();
	const store = new RedisTokenStore({ client: cluster });
	return {
		store,
		close: async () => {
			await store.close();
			await cluster.close();
		},
	};
}

// --- each worker: its own process, its own manager, the session in Redis ---------------------------------

async function worker(): Promise<void> {
	const env = process.env;
	const { store, close } = await openStore(env);
	const tokens = createTokenManager(
		dotkernel({
			url: env.DOTKERNEL_URL!,
			clientId: env.DOTKERNEL_CLIENT_ID ?? 'frontend',
			clientSecret: env.TOKENKEEPER_CLIENT_SECRET ?? 'frontend',
			// Part of the default store key: another user of the same client gets a session of their own.
			username: env.DOTKERNEL_USERNAME!,
			credentials: async () => ({ username: env.DOTKERNEL_USERNAME!, password: env.TOKENKEEPER_PASSWORD ?? '' }),
		}),
		{ store },
	);
	tokens.on('token', ({ source }) => console.log(`  worker ${process.pid}: new token set (${source})`));
	const api = createClient({ prefixUrl: `${env.DOTKERNEL_URL}/`, auth: tokens });

	process.on('message', async (message: ToWorker) => {
		if (message.cmd === 'exit') {
			await close();
			process.exit(0);
		}
		const results = await Promise.allSettled(Array.from({ length: CALLS }, () => api.get('user/my-account').json()));
		const ok = results.filter((result) => result.status === 'fulfilled').length;
		const failure = results.find((result) => result.status === 'rejected')?.reason;
		// A StoreError says which Redis failed and what to do; other errors are tokenkeeper's or the API's.
		const firstError = failure === undefined ? undefined : `${isStoreError(failure) ? 'store: ' : ''}${String(failure)}`;
		process.send!({ ok, failed: CALLS - ok, firstError } satisfies FromWorker);
	});
	process.send!({ ok: 0, failed: 0 } satisfies FromWorker);
}

// --- the primary: starts the emulator and Redis (unless given), forks the workers, prints what happened -----

function nextMessage(from: Worker): Promise<FromWorker> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`worker ${from.process.pid} did not answer within 30 s`)), 30_000);
		from.once('message', (message: FromWorker) => {
			clearTimeout(timer);
			resolve(message);
		});
	});
}

async function round(workers: Worker[], title: string, emulator: Emulator | undefined): Promise<void> {
	console.log(title);
	for (const each of workers) each.send({ cmd: 'calls' } satisfies ToWorker);
	const reports = await Promise.all(workers.map(nextMessage));
	const ok = reports.reduce((sum, report) => sum + report.ok, 0);
	console.log(`  ${ok} of ${workers.length * CALLS} calls succeeded, in ${workers.length} processes`);
	const firstError = reports.find((report) => report.firstError)?.firstError;
	if (firstError) console.log(`  first failure: ${firstError}`);
	if (emulator) {
		const { tokenRequests, refreshTokenReuse } = emulator.counters();
		console.log(
			`  password grants: ${tokenRequests.password}, refreshes: ${tokenRequests.refresh_token}, refresh-token reuse: ${refreshTokenReuse}`,
		);
		emulator.resetCounters();
	}
}

async function primary(): Promise<void> {
	const emulator = process.env.DOTKERNEL_URL ? undefined : await createEmulator();
	const redis = process.env.REDIS_URL || process.env.REDIS_CLUSTER_NODES ? undefined : await startThrowawayRedis();
	const demo = emulator?.credentials.dotkernel;
	const workers: Worker[] = [];
	try {
		const env = {
			REDIS_URL: process.env.REDIS_URL ?? redis?.url,
			REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES,
			DOTKERNEL_URL: demo?.url ?? process.env.DOTKERNEL_URL,
			DOTKERNEL_CLIENT_ID: demo?.clientId ?? process.env.DOTKERNEL_CLIENT_ID,
			TOKENKEEPER_CLIENT_SECRET: demo?.clientSecret ?? process.env.TOKENKEEPER_CLIENT_SECRET,
			DOTKERNEL_USERNAME: demo?.username ?? process.env.DOTKERNEL_USERNAME,
			TOKENKEEPER_PASSWORD: demo?.password ?? process.env.TOKENKEEPER_PASSWORD,
		};
		for (let index = 0; index < WORKERS; index += 1) workers.push(cluster.fork(env));
		await Promise.all(workers.map(nextMessage));

		await round(workers, `${WORKERS} processes start cold and call at once: one of them logs in, the others read its tokens`, emulator);
		if (emulator) {
			emulator.expireAllTokens();
			await round(workers, 'the emulator expired every access token: one process refreshes, the others use its result', emulator);
		}
	} finally {
		for (const each of workers) each.send({ cmd: 'exit' } satisfies ToWorker);
		await Promise.all(workers.map((each) => new Promise((resolve) => each.once('exit', resolve))));
		await emulator?.close();
		await redis?.stop();
	}
}

/** A redis-server on a free loopback port, without persistence: for trying the example, not for production. */
async function startThrowawayRedis(): Promise<{ url: string; stop(): Promise<void> }> {
	const probe = createServer().listen(0, '127.0.0.1');
	await new Promise((resolve) => probe.once('listening', resolve));
	const { port } = probe.address() as AddressInfo;
	await new Promise((resolve) => probe.close(resolve));
	const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
		stdio: 'ignore',
	});
	await new Promise<void>((resolve, reject) => {
		child.once('error', () => reject(new Error('redis-server was not found: install it (apt-get install redis-server) or set REDIS_URL')));
		child.once('spawn', resolve);
	});
	const url = `redis://127.0.0.1:${port}`;
	const store = new RedisTokenStore({ url });
	// Ready when it answers (bounded: 5 s).
	for (const deadline = Date.now() + 5_000; ; ) {
		try {
			await store.get('ping');
			break;
		} catch (error) {
			if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`, { cause: error });
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
	await store.close();
	return {
		url,
		stop: () =>
			new Promise<void>((resolve) => {
				child.once('exit', () => resolve());
				child.kill();
			}),
	};
}

const main = cluster.isPrimary ? primary : worker;
main().catch((error: unknown) => {
	console.error(String(error));
	process.exitCode = 1;
});
