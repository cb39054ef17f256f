import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authFetch, createTokenManager, oauth2 } from '../../src/index.js';
import { createClock } from '../_helpers/manager.js';
import { createModelServer } from '../_helpers/model-server.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';

/**
 * Rules 4 and 5 from the API's side, under random interleavings: concurrent calls whose API answers are scripted
 * at random (200, 401, 503), each call's requests and the token requests answered in any order.
 * - a call sends at most 2 requests, the second only after a 401, with another token than the first;
 * - the call returns the last answer as is;
 * - token requests: at most 1 plus the number of distinct tokens the API rejected (N late 401s for one token cost one).
 */
const RUNS = Number(process.env.TOKENKEEPER_PROPERTY_RUNS ?? 150);
const API = 'https://api.test';

const script = fc.array(fc.tuple(fc.constantFrom(200, 401, 503), fc.constantFrom(200, 401, 503)), { minLength: 1, maxLength: 12 });

expectNoLeftoverResourcesAfterEachTest();

describe('retry once, under interleavings', () => {
	it('any API answers, any order: at most 2 requests per call, the last answer returned, token requests bounded by distinct rejected tokens', async () => {
		await fc.assert(
			fc.asyncProperty(fc.scheduler(), script, async (scheduler, answers) => {
				const server = createModelServer({ schedule: (task, label) => scheduler.schedule(task, label), refreshTokenWithGrant: false });
				const clock = createClock();
				const manager = createTokenManager(
					oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', clientSecret: 'model-secret', clientAuth: 'body' }),
					{ fetch: server.fetch, now: clock.now, retry: 0, timeout: 60_000 },
				);
				const seen: Array<Array<string | null>> = answers.map(() => []);
				const rejectedTokens = new Set<string>();
				const api: typeof fetch = async (input, init) => {
					// fetch's whole signature: authFetch passes (url, init) through, ky passes a Request.
					const request = new Request(input, init);
					const call = Number(new URL(request.url).pathname.slice(1));
					const authorization = request.headers.get('authorization');
					const attempt = seen[call]!.push(authorization) - 1;
					await scheduler.schedule(Promise.resolve(), `api call ${call} attempt ${attempt}`);
					const status = answers[call]![Math.min(attempt, 1)]!;
					if (status === 401 && authorization) rejectedTokens.add(authorization);
					return new Response(null, { status });
				};
				const fetchWithToken = authFetch({ auth: manager, allowedOrigins: [API], fetch: api });

				const calls = answers.map((_, call) =>
					scheduler.schedule(Promise.resolve(), `start call ${call}`).then(() => fetchWithToken(`${API}/${call}`)),
				);
				let settled = false;
				void Promise.allSettled(calls).then(() => {
					settled = true;
				});
				const deadline = performance.now() + 2_000;
				while (!settled && performance.now() < deadline) {
					await scheduler.waitIdle();
					await new Promise((resolve) => setImmediate(resolve));
				}
				expect(settled, 'every call settled within 2 s').toBe(true);

				const statuses = await Promise.all(calls.map((call) => call.then((response) => response.status)));
				answers.forEach(([first, second], call) => {
					const requests = seen[call]!;
					expect(requests).toHaveLength(first === 401 ? 2 : 1);
					expect(statuses[call]).toBe(first === 401 ? second : first);
					if (requests.length === 2) expect(requests[1]).not.toBe(requests[0]);
				});
				expect(server.stats.requests).toBeLessThanOrEqual(1 + rejectedTokens.size);
				expect(server.stats.maxInFlight).toBeLessThanOrEqual(1);
			}),
			{ numRuns: RUNS },
		);
	});
});
