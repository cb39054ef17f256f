import { inspect } from 'node:util';

/**
 * Every way a log could show a value: message, stack, `String()`, `toJSON`/`JSON.stringify`, and Node's inspect with
 * hidden fields, for the value and each `cause` down the chain.
 */
export function renderings(value: unknown): string[] {
	const texts: string[] = [];
	const seen = new Set<unknown>();
	let current: unknown = value;
	while (current !== undefined && current !== null && !seen.has(current)) {
		seen.add(current);
		const e = current as { message?: unknown; stack?: unknown; cause?: unknown; toJSON?: () => unknown };
		texts.push(
			String(e.message),
			String(e.stack),
			safe(() => String(current)),
		);
		texts.push(safe(() => JSON.stringify(current) ?? ''));
		if (typeof e.toJSON === 'function') texts.push(safe(() => JSON.stringify(e.toJSON!())));
		texts.push(safe(() => inspect(current, { depth: 10, showHidden: true, getters: true })));
		current = e.cause;
	}
	return texts;
}

function safe(render: () => string): string {
	try {
		return render();
	} catch (error) {
		return `<rendering threw ${String(error)}>`;
	}
}

/**
 * The forms a secret takes on the wire and in logs: as is, form- or URI-encoded, JSON-escaped, and, for long random
 * tokens, a 12-character prefix and suffix (no part of a token may show, not even its start).
 */
export function secretForms(secret: string): string[] {
	const forms = new Set([
		secret,
		new URLSearchParams({ s: secret }).toString().slice(2),
		encodeURIComponent(secret),
		JSON.stringify(secret).slice(1, -1),
	]);
	if (secret.length >= 24) {
		forms.add(secret.slice(0, 12));
		forms.add(secret.slice(-12));
	}
	return [...forms];
}

/** Each (secret name, where it showed) pair found in `texts`; empty when none shows. */
export function findSecrets(texts: Iterable<readonly [where: string, text: string]>, secrets: ReadonlyMap<string, string>): string[] {
	const found: string[] = [];
	for (const [where, text] of texts) {
		for (const [name, secret] of secrets) {
			if (secretForms(secret).some((form) => text.includes(form))) found.push(`${name} in ${where}`);
		}
	}
	return found;
}

/** Every way a provider could be logged. */
export function providerRenderings(value: unknown): string[] {
	return [
		JSON.stringify(value),
		inspect(value),
		inspect(value, { showHidden: true, depth: 10 }),
		String(Object.values(value as object)),
		JSON.stringify({ ...(value as object) }),
	];
}
