/** `--name`'s value as a number of at least `min`; throws a TypeError naming the option otherwise. */
export function numberOption(name: string, value: string | undefined, min = 0): number {
	const number = Number(value);
	if (value === undefined || value.trim() === '' || !Number.isFinite(number) || number < min) {
		throw new TypeError(`--${name} must be a number >= ${min}, got ${value}`);
	}
	return number;
}

/** `--name`'s value as an integer of at least `min`. */
export function integerOption(name: string, value: string | undefined, min = 0): number {
	const number = numberOption(name, value, min);
	if (!Number.isInteger(number)) throw new TypeError(`--${name} must be an integer, got ${value}`);
	return number;
}
