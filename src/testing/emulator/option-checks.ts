import { InvalidOptionError } from '../../errors.js';

// Shared by every provider's option normalization, so the messages read the same everywhere.

/** A lifetime in seconds: finite and non-negative. */
export function checkLifetime(name: string, value: number): number {
	// Zero is allowed on purpose: tokens that are born expired are a useful test case.
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw new InvalidOptionError(name, `Expected \`${name}\` to be a non-negative number of seconds, got \`${String(value)}\``);
	}
	return value;
}

/** Whether `value` is a string with at least one character. */
export function isNonEmptyString(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0;
}

/** Longest delay a Node timer honours (2^31-1 ms); a longer one fires at once. */
const LONGEST_TIMER = 2_147_483_647;

/** A delay in milliseconds: finite, non-negative, and short enough for a timer. */
export function checkDelay(name: string, value: number): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > LONGEST_TIMER) {
		throw new InvalidOptionError(
			name,
			`Expected \`${name}\` to be a non-negative number of milliseconds up to ${LONGEST_TIMER}, got \`${String(value)}\``,
		);
	}
	return value;
}
