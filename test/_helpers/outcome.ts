import { isTokenkeeperError } from '../../src/index.js';

/** How a promise ended within a bound: `pending` instead of a hung test when it never settles. */
export type Outcome<T> =
	| { readonly state: 'resolved'; readonly value: T; readonly ms: number }
	| { readonly state: 'rejected'; readonly error: unknown; readonly ms: number }
	| { readonly state: 'pending'; readonly ms: number };

/** Wait for `promise` at most `ms`, and say how (and how fast) it settled. */
export async function settle<T>(promise: Promise<T>, ms = 5_000): Promise<Outcome<T>> {
	const start = performance.now();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const pending = new Promise<Outcome<T>>((resolve) => {
		timer = setTimeout(() => resolve({ state: 'pending', ms: performance.now() - start }), ms);
	});
	const settled = promise.then(
		(value): Outcome<T> => ({ state: 'resolved', value, ms: performance.now() - start }),
		(error: unknown): Outcome<T> => ({ state: 'rejected', error, ms: performance.now() - start }),
	);
	try {
		return await Promise.race([settled, pending]);
	} finally {
		clearTimeout(timer);
	}
}

/** `'success'`, a tokenkeeper error's `code`, another error's `name`, or `'pending'`: one word to compare. */
export function outcomeName(outcome: Outcome<unknown>): string {
	if (outcome.state === 'resolved') return 'success';
	if (outcome.state === 'pending') return 'pending';
	return errorName(outcome.error);
}

/** A tokenkeeper error's `code`, else the error's `name`. */
export function errorName(error: unknown): string {
	if (isTokenkeeperError(error)) return error.code;
	return error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
		? String((error as Error).name)
		: String(error);
}

/** The error of a rejected outcome; fails loudly otherwise. */
export function rejection(outcome: Outcome<unknown>): Error & Record<string, unknown> {
	if (outcome.state !== 'rejected') throw new Error(`expected a rejection, got ${outcome.state}`);
	return outcome.error as Error & Record<string, unknown>;
}

/** The value of a resolved outcome; fails loudly otherwise. */
export function resolution<T>(outcome: Outcome<T>): T {
	if (outcome.state === 'resolved') return outcome.value;
	throw new Error(`expected a value, got ${outcome.state}${outcome.state === 'rejected' ? `: ${String(outcome.error)}` : ''}`);
}

/** Resolves after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
