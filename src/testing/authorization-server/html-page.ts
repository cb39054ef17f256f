/**
 * A minimal HTML page, as an authorization server shows a person (an error, a device login's outcome). Never
 * cached: such pages answer requests that carry codes.
 */
export function htmlPage(status: number, title: string, heading: string, text: string, extra = ''): Response {
	const page = `<!DOCTYPE html>\n<html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p>${extra}</body></html>\n`;
	return new Response(page, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

/** Text made safe to place in HTML: what a request sent must never become markup. */
export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
