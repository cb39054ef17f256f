/**
 * The cost of the manager on the hot path: `getToken()` on a fresh cached token vs an async read of a Map
 * (the least any cache can do), in alternating rounds; prints the median ratio of operations per second.
 */
import { createTokenManager, squidex } from 'tokenkeeper';

const OPS = 200_000;
const ROUNDS = 10;

async function timeOps(op: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	for (let i = 0; i < OPS; i++) await op();
	return OPS / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const manager = createTokenManager(squidex({ url: 'http://127.0.0.1:9', clientId: 'a:b', clientSecret: 's' }));
await manager.setTokens({ accessToken: 'fixed', expiresIn: 3600 });
const map = new Map([['key', { accessToken: 'fixed' }]]);
const readMap = async () => map.get('key');
const getToken = () => manager.getToken();

// Warm both paths so the JIT has compiled them before we measure.
await timeOps(readMap);
await timeOps(getToken);
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
	const baseline = await timeOps(readMap);
	const measured = await timeOps(getToken);
	ratios.push(measured / baseline);
}
console.log(
	`getToken() on a cached token vs an async Map read: median ratio ${median(ratios).toFixed(3)} ` +
		`(${ROUNDS} alternating rounds of ${OPS.toLocaleString('en')} calls; 1.0 = free)`,
);
