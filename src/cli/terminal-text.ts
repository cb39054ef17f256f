/**
 * One line of text that is safe for a terminal: text from a server (an `error_description`) must not move
 * the cursor, recolour the screen or hide itself with escape sequences.
 */
export function oneLine(text: string): string {
	return (
		text
			.replace(/\s*[\r\n]+\s*|\t/g, ' ')
			// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
			.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
			.trim()
	);
}

/** Several lines, each made safe as in {@link oneLine}. */
export function safeLines(text: string): string {
	return (
		text
			.split(/\r?\n/)
			// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters (but tab) is the point.
			.map((line) => line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?'))
			.join('\n')
	);
}
