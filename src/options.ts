import { InvalidOptionError } from './errors.js';

/**
 * Every option validator, with p-retry's uniform messages (``Expected `retries` to be a non-negative number``), and
 * what was given: ``…, got -1``. Options are validated once, at construction; later code trusts the normalized values.
 */

/** The longest delay a timer can hold: a longer `setTimeout` fires at once (rule 9). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * What `value` is, for a message. Only its type ("a number", "an empty string", "undefined"), unless `shown`: then a
 * number as it is, and a string quoted, with all before its last `@` cut (a URL's userinfo holds a password). `shown`
 * is for options that never hold a secret (a timeout, a URL, a scope), never for a client secret, a password or a token.
 */
export function describeValue(value: unknown, shown?: boolean): string {
	const type = typeof value;
	if (shown && type === 'number') return `${value}`;
	if (shown && type === 'string') return `"${(value as string).replace(/.*@/s, '…@')}"`;
	return value === '' ? 'an empty string' : value == null ? `${value}` : `a${type === 'object' ? 'n' : ''} ${type}`;
}

/**
 * The configuration error for `option`: ``Expected `option` to be <expected>, got <what it got>`` (see
 * {@link describeValue} for `shown`).
 */
export function invalidOption(option: string, expected: string, value: unknown, shown?: boolean): InvalidOptionError {
	return new InvalidOptionError(option, `Expected \`${option}\` to be ${expected}, got ${describeValue(value, shown)}`);
}

/** A required, non-empty string option. Never shown: it may be a secret. */
export function requireString(value: unknown, name: string): string {
	if (typeof value !== 'string' || value === '') throw invalidOption(name, 'a non-empty string', value);
	return value;
}

/** An absolute URL option, kept exactly as given (an endpoint's trailing slash can matter). */
export function requireUrl(value: unknown, name: string): string {
	const url = requireString(value, name);
	if (!URL.canParse(url)) throw invalidOption(name, 'an absolute URL', url, true);
	return url;
}

/** One absolute URL or a list of them (a login's `resource`s), each checked by {@link requireUrl}; `[]` for none. */
export function requireUrls(value: string | readonly string[] | undefined, name: string): string[] {
	return [value ?? []].flat().map((url) => requireUrl(url, name));
}

/** A base URL option, without its trailing slashes, so that paths can be appended. */
export function requireBaseUrl(value: unknown, name: string): string {
	return requireUrl(value, name).replace(/\/+$/, '');
}

/** A finite number of zero or more. */
export function requireNonNegative(value: number, name: string): number {
	if (!Number.isFinite(value) || value < 0) throw invalidOption(name, 'a non-negative number', value, true);
	return value;
}

/** An option that becomes a timer's delay: non-negative and at most 2^31-1 ms (rule 9). */
export function requireTimerDelay(value: number, name: string): number {
	if (requireNonNegative(value, name) > MAX_TIMER_DELAY) throw invalidOption(name, 'at most 2^31-1 ms', value, true);
	return value;
}

/** A timer's delay that must not be 0, such as a lease or a command timeout (either would end at once). */
export function requirePositiveTimerDelay(value: number, name: string): number {
	if (requireTimerDelay(value, name) === 0) throw invalidOption(name, 'a positive number', value, true);
	return value;
}

/** A finite number above zero that is not a timer's delay, such as a TTL Redis keeps (it takes far more than 2^31-1 ms). */
export function requirePositive(value: number, name: string): number {
	if (requireNonNegative(value, name) === 0) throw invalidOption(name, 'a positive number', value, true);
	return value;
}

/** A whole number of one or more, such as a store's `max`. */
export function requirePositiveInteger(value: number, name: string): number {
	if (!Number.isInteger(value) || value < 1) throw invalidOption(name, 'a positive integer', value, true);
	return value;
}

/** A function option, such as an injected clock. */
export function requireFunction<F extends (...args: never[]) => unknown>(value: F, name: string, what: string): F {
	if (typeof value !== 'function') throw invalidOption(name, what, value);
	return value;
}
