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
		['timeout', { timeout: -1 }, '-1'],
		['retry.retries', { retry: -1 }, '-1'],
		['retry.minTimeout', { retry: { minTimeout: Number.NaN } }, 'NaN'],
		['retry.maxRetryAfter', { retry: { maxRetryAfter: Number.POSITIVE_INFINITY } }, 'Infinity'],
	])('%s out of range -> TypeError with a uniform message saying what it got', (name, options, got) => {
		expect(() => normalizeTransport(options)).toThrow(TypeError);
		expect(() => normalizeTransport(options)).toThrow(
			expect.objectContaining({
				code: 'ERR_INVALID_OPTION',
				option: name,
				message: `Expected \`${name}\` to be a non-negative number, got ${got}`,
			}),
		);
	});

	it('rule 9: a timeout above 2^31-1 ms -> TypeError at construction, not a misleading network error on every request', () => {
		expect(() => normalizeTransport({ timeout: 2 ** 31 })).toThrow(TypeError);
		expect(() => normalizeTransport({ timeout: 2 ** 31 - 1 })).not.toThrow();
	});
});
