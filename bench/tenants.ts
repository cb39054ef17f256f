/**
 * Many tenants in one memory store: 100 000 sessions written to a store bounded at 10 000. Heap growth must stay
 * bounded by the store's max, not by the number of tenants; prints bytes per cached token set.
 * Run with --expose-gc for stable figures (npm run bench does).
 */
import { createMemoryStore, createTokenSet } from 'tokenkeeper';

const TENANTS = 100_000;
const MAX = 10_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heap = () => {
	gc();
	gc();
	return process.memoryUsage().heapUsed;
};

const store = createMemoryStore({ max: MAX });
const before = heap();
let atMax = 0;
for (let tenant = 0; tenant < TENANTS; tenant++) {
	const tokens = createTokenSet({
		accessToken: `eyJhbGciOiJSUzI1NiJ9.${tenant.toString(36).padStart(600, 'x')}`,
		refreshToken: `def50200${tenant.toString(36).padStart(300, 'y')}`,
		expiresIn: 3600,
		scope: 'api',
	});
	await store.set(`tokenkeeper|squidex|https://tenant-${tenant}.example|app:client|squidex-api`, tokens);
	if (tenant === MAX - 1) atMax = heap();
}
const after = heap();
const kept = (
	await Promise.all(
		Array.from({ length: 20 }, (_, i) => store.get(`tokenkeeper|squidex|https://tenant-${TENANTS - 1 - i}.example|app:client|squidex-api`)),
	)
).filter(Boolean).length;
const perSet = (atMax - before) / MAX;
console.log(
	`100 000 tenants into a store bounded at ${MAX.toLocaleString('en')}: heap +${((atMax - before) / 2 ** 20).toFixed(1)} MiB at ${MAX.toLocaleString('en')} sessions, ` +
		`+${((after - before) / 2 ** 20).toFixed(1)} MiB after all ${TENANTS.toLocaleString('en')} (growth after the max: ${((after - atMax) / 2 ** 20).toFixed(1)} MiB)`,
);
console.log(
	`about ${Math.round(perSet).toLocaleString('en')} bytes per cached token set (900-character tokens); the 20 newest tenants are all still cached: ${kept === 20}`,
);
