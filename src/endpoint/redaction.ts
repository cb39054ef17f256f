const REDACTED = '[redacted]';

/**
 * `text` with every one of `secrets` replaced by `[redacted]`, longest first so that a secret containing
 * another leaves no tail. For whatever a server echoes back, and for whatever the CLI prints.
 */
export function redact(text: string, secrets: Iterable<string>): string {
	let redacted = text;
	for (const secret of [...secrets].filter(Boolean).sort((a, b) => b.length - a.length)) {
		redacted = redacted.split(secret).join(REDACTED);
	}
	return redacted;
}
