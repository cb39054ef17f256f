/**
 * Print rows as an aligned text table: the first column left-aligned (labels), the others right-aligned (figures).
 * @example
 * printTable(['measure', 'on', 'off'], [['API calls', '51 234', '49 876']]);
 */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): void {
	const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
	const line = (cells: readonly string[]) =>
		indent +
		cells
			.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
			.join('  ')
			.trimEnd();
	console.log(line(header));
	console.log(indent + widths.map((width) => '-'.repeat(width)).join('  '));
	for (const row of rows) console.log(line(row));
}

/** The `p`-th percentile (0-100) of ascending `sorted` values, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Milliseconds for a table cell: `0.84 ms`, `312 ms`, `1.52 s`; `-` for NaN. */
export function ms(value: number): string {
	if (Number.isNaN(value)) return '-';
	if (Math.abs(value) >= 1_000) return `${(value / 1_000).toFixed(2)} s`;
	if (Math.abs(value) >= 10) return `${Math.round(value)} ms`;
	return `${value.toFixed(2)} ms`;
}

/** An integer with thousands separators, as the other benches print them. */
export function count(value: number): string {
	return Math.round(value).toLocaleString('en-US');
}
