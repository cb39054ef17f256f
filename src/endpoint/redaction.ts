import { REDACTED } from '../token-set.js';

/** From this length on, a secret does not occur by chance: it is cut out wherever it stands. */
const UNMISTAKABLE_LENGTH = 12;

/**
 * `text` with every one of `secrets` replaced by `[redacted]`, longest first so that a secret containing another
 * leaves no tail. For whatever a server echoes back, and for whatever the CLI prints.
 *
 * Tokens, not characters: a short secret is cut out only where no letter, digit or `_` touches it, so a one-character
 * secret `x` leaves `exhausted` whole, and the redactions do not tell where its characters occur. What the secret
 * holds does not matter (`app:client` stands alone in `(app:client)`), and a letter outside ASCII is no letter here
 * (a password echoed inside Chinese text is still cut out). A secret of 12 characters or more is cut out wherever it
 * occurs: a real one (a token, a code, a client secret) cannot be there by chance, and an echo may stick to the escape
 * before it (`%3D`, `\u0026`).
 */
export function redact(text: string, secrets: Iterable<string>): string {
	let redacted = text;
	for (const secret of [...secrets].filter(Boolean).sort((a, b) => b.length - a.length)) {
		redacted = redacted.replaceAll(secret, (_, at: number, whole: string) =>
			/\w/.test(whole.charAt(at - 1) + whole.charAt(at + secret.length)) && secret.length < UNMISTAKABLE_LENGTH ? secret : REDACTED,
		);
	}
	return redacted;
}
