/**
 * Every option validator, with p-retry's uniform messages (``Expected `retries` to be a non-negative number``).
 * Options are validated once, at construction; later code trusts the normalized values.
 */

/** The longest delay a timer can hold: a longer `setTimeout` fires at once (rule 9). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** A required, non-empty string option. */
export function requireString(value: unknown, name: string): string {
	if (typeof value !== 'string' || value === '') throw new TypeError(`Expected \`${name}\` to be a non-empty string`);
	return value;
}

/** An absolute URL option, kept exactly as given (an endpoint's trailing slash can matter). */
export function requireUrl(value: unknown, name: string): string {
	const url = requireString(value, name);
	if (!URL.canParse(url)) throw new TypeError(`Expected \`${name}\` to be an absolute URL, got "${url}"`);
	return url;
}

/** A base URL option, without its trailing slashes, so that paths can be appended. */
export function requireBaseUrl(value: unknown, name: string): string {
	return requireUrl(value, name).replace(/\/+$/, '');
}

/** A finite number of zero or more. */
export function requireNonNegative(value: number, name: string): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw new TypeError(`Expected \`${name}\` to be a non-negative number`);
	}
	return value;
}

/** An option that becomes a timer's delay: non-negative and at most 2^31-1 ms (rule 9). */
export function requireTimerDelay(value: number, name: string): number {
	requireNonNegative(value, name);
	if (value > MAX_TIMER_DELAY) throw new TypeError(`Expected \`${name}\` to be at most 2^31-1 ms`);
	return value;
}

/** A timer's delay that must not be 0, such as a lease or a command timeout (either would end at once). */
export function requirePositiveTimerDelay(value: number, name: string): number {
	requireTimerDelay(value, name);
	if (value === 0) throw new TypeError(`Expected \`${name}\` to be a positive number`);
	return value;
}

/** A finite number above zero that is not a timer's delay, such as a TTL Redis keeps (it takes far more than 2^31-1 ms). */
export function requirePositive(value: number, name: string): number {
	requireNonNegative(value, name);
	if (value === 0) throw new TypeError(`Expected \`${name}\` to be a positive number`);
	return value;
}

/** A whole number of one or more, such as a store's `max`. */
export function requirePositiveInteger(value: number, name: string): number {
	if (!Number.isInteger(value) || value < 1) throw new TypeError(`Expected \`${name}\` to be a positive integer`);
	return value;
}

/** A function option, such as an injected clock. */
export function requireFunction<F extends (...args: never[]) => unknown>(value: F, name: string, what: string): F {
	if (typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be ${what}`);
	return value;
}
