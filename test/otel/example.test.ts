import { describe, expect, it } from 'vitest';
import { runObservabilityExample } from '../../examples/observability.js';

describe('examples/observability.ts', () => {
	it('prints the token requests under the calls that needed them, the retry event, and the metrics', async () => {
		const lines = await runObservabilityExample();
		const text = lines.join('\n');
		expect(lines.filter((line) => /^ +tokenkeeper\.token_request /.test(line))).toHaveLength(2);
		expect(text).toMatch(
			/\n {2}list schemas \(cold\)\n {4}tokenkeeper\.lock_wait .*\n {4}tokenkeeper\.token_request .*tokenkeeper\.reason=cold/,
		);
		expect(text).toMatch(/\n {2}list schemas \(after a revocation\) event tokenkeeper\.api_retry\n/);
		expect(text).toMatch(/\n {2}list schemas \(cached\)\nmetrics:/);
		expect(text).toContain('tokenkeeper.api_retries');
		expect(text).toMatch(/tokenkeeper\.near_cache\.hits \{\} = 2/);
	});
});
