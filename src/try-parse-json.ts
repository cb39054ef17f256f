/**
 * The value of a JSON text, or `undefined` when there is no text or it is not JSON: for bodies and stored entries that
 * may be foreign or damaged. `reviver` is JSON.parse's (an error body's strings are redacted as they are read).
 */
export function tryParseJson(text: string | null | undefined, reviver?: (key: string, value: unknown) => unknown): unknown {
	if (text === null || text === undefined) return undefined;
	try {
		return JSON.parse(text, reviver);
	} catch {
		return undefined;
	}
}
