/** The request's media type, lowercased and without parameters (`''` when there is none). */
export function mediaType(request: Request): string {
	const header = request.headers.get('content-type') ?? '';
	return (header.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * The token of an `Authorization: Bearer` header, or undefined.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function bearerToken(request: Request): string | undefined {
	const match = /^bearer[ ]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
	return match?.[1];
}

/** The body parsed as a JSON object, or undefined when it is not JSON or not an object. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | undefined> {
	try {
		const value: unknown = JSON.parse(await request.text());
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}
