/**
 * `npm run demo`: the main job, end to end, against the built-in emulator. No account, no network.
 * A backend calls a Squidex-style API; the server revokes every token mid-way (as a certificate change does);
 * tokenkeeper fetches one new token and retries the rejected calls once.
 */
import { createEmulator } from 'tokenkeeper/testing';
import { createSquidexBackend } from './squidex-backend.js';

const CALLS = 20;

function report(step: string, counters: { tokenRequests: { total: number }; apiRequests: { ok: number; rejected: number } }) {
	const { tokenRequests, apiRequests } = counters;
	console.log(`  ${step.padEnd(46)} token requests: ${tokenRequests.total}   API: ${apiRequests.ok} ok, ${apiRequests.rejected} rejected`);
}

const emulator = await createEmulator();
try {
	console.log(`tokenkeeper demo: a backend calling a Squidex-style API at ${emulator.url} (local emulator)\n`);
	const backend = createSquidexBackend(emulator.credentials.squidex);
	backend.tokens.on('token', ({ tokenSet, source }) => console.log(`  event: new token (${source}), ${tokenSet}`));

	await Promise.all(Array.from({ length: CALLS }, () => backend.listSchemas()));
	report(`1. ${CALLS} concurrent calls on a cold cache`, emulator.counters());

	await Promise.all(Array.from({ length: CALLS }, () => backend.listSchemas()));
	report(`2. ${CALLS} more calls: the cached token is reused`, emulator.counters());

	emulator.revokeAllTokens();
	console.log('  -- the server revokes every token (a certificate change) --');
	const schemas = await Promise.all(Array.from({ length: CALLS }, () => backend.listSchemas()));
	report(`3. ${CALLS} calls: each 401 -> 1 new token, 1 retry`, emulator.counters());

	const { tokenRequests, apiRequests } = emulator.counters();
	const ok = tokenRequests.total === 2 && apiRequests.ok === 3 * CALLS && schemas.every((s) => s.items.length > 0);
	console.log(
		`\n${ok ? 'OK' : 'UNEXPECTED'}: ${3 * CALLS} calls succeeded with ${tokenRequests.total} token requests in all ` +
			`(one at start, one after the revocation); ${apiRequests.rejected} rejected calls were each retried once.`,
	);
	if (!ok) process.exitCode = 1;
} finally {
	await emulator.close();
}
