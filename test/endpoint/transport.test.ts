import { describe, expect, it } from 'vitest';
import { normalizeTransport } from '../../src/endpoint/transport.js';

describe('normalizeTransport (options validated once, at construction)', () => {
	it('defaults: 3 retries, 250 ms - 5 s backoff, Retry-After up to 60 s, 10 s timeout', () => {
		const defaults = normalizeTransport();
		expect(defaults.timeout).toBe(10_000);
		expect(defaults.retry).toEqual({ retries: 3, minTimeout: 250, maxTimeout: 5_000, maxRetryAfter: 60_000 });
		expect(normalizeTransport({ retry: 1 }).retry.retries).toBe(1);
	});

	it.each([
		['timeout', { timeout: -1 }],
		['retry.retries', { retry: -1 }],
		['retry.minTimeout', { retry: { minTimeout: Number.NaN } }],
		['retry.maxRetryAfter', { retry: { maxRetryAfter: Number.POSITIVE_INFINITY } }],
	])('%s out of range -> TypeError with a uniform message', (name, options) => {
		expect(() => normalizeTransport(options)).toThrow(new TypeError(`Expected \`${name}\` to be a non-negative number`));
	});

	it('rule 9: a timeout above 2^31-1 ms -> TypeError at construction, not a misleading network error on every request', () => {
		expect(() => normalizeTransport({ timeout: 2 ** 31 })).toThrow(TypeError);
		expect(() => normalizeTransport({ timeout: 2 ** 31 - 1 })).not.toThrow();
	});
});
