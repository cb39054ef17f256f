/** The value of a JSON text, or `undefined` when there is no text or it is not JSON: for bodies and stored entries that may be foreign or damaged. */
export function tryParseJson(text: string | null | undefined): unknown {
	if (text === null || text === undefined) return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
