import { performance } from 'node:perf_hooks';
import { createClient, createTokenManager, squidex } from 'tokenkeeper';
import { createEmulator } from 'tokenkeeper/testing';

export interface StormResult {
	readonly calls: number;
	readonly succeeded: number;
	readonly failed: number;
	/** Distinct error messages of failed calls, with counts (first few). */
	readonly failures: ReadonlyMap<string, number>;
	/** Token requests the emulator saw during the storm. */
	readonly tokenRequests: number;
	/** API requests the emulator rejected (401) during the storm. */
	readonly rejected: number;
	/** API requests the client sent beyond one per call: the retries after a rejection. */
	readonly retried: number;
	readonly settleMs: number;
}

export interface StormsResult {
	readonly cold: StormResult;
	readonly revoked: StormResult;
}

/**
 * Two storms of concurrent calls against the real emulator over loopback HTTP: one on a cold cache, one
 * right after the server revoked every token (a Squidex certificate change).
 */
export async function runStorms(calls: number, deadlineMs: number): Promise<StormsResult> {
	const emulator = await createEmulator();
	try {
		const { url, clientId, clientSecret } = emulator.credentials.squidex;
		let apiSends = 0;
		const tokens = createTokenManager(squidex({ url, clientId, clientSecret }));
		const api = createClient({
			prefixUrl: `${url}/api/`,
			auth: tokens,
			// Counts what the client really sends to the API, retries included.
			fetch: (input, init) => {
				apiSends += 1;
				return globalThis.fetch(input, init);
			},
		});

		const storm = async (): Promise<StormResult> => {
			const before = emulator.counters();
			const sendsBefore = apiSends;
			const begin = performance.now();
			const all = Promise.allSettled(Array.from({ length: calls }, () => api.get('apps/food-crunch/schemas').json()));
			let timer: NodeJS.Timeout | undefined;
			const outcomes = await Promise.race([
				all,
				new Promise<never>((_, reject) => {
					timer = setTimeout(() => reject(new Error(`storm did not settle within ${deadlineMs} ms`)), deadlineMs);
				}),
			]).finally(() => clearTimeout(timer));
			const settleMs = performance.now() - begin;
			const after = emulator.counters();
			const failures = new Map<string, number>();
			for (const outcome of outcomes) {
				if (outcome.status === 'rejected') {
					const message = String((outcome.reason as Error)?.message ?? outcome.reason).slice(0, 120);
					failures.set(message, (failures.get(message) ?? 0) + 1);
				}
			}
			const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
			return {
				calls,
				succeeded: calls - failed,
				failed,
				failures,
				tokenRequests: after.tokenRequests.total - before.tokenRequests.total,
				rejected: after.apiRequests.rejected - before.apiRequests.rejected,
				retried: apiSends - sendsBefore - calls,
				settleMs,
			};
		};

		const cold = await storm();
		emulator.revokeAllTokens();
		const revoked = await storm();
		return { cold, revoked };
	} finally {
		await emulator.close();
	}
}
