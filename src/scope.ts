import { invalidOption } from './options.js';

/** Scopes as the caller gives them (array or space-separated string) -> one space-separated string. */
export function normalizeScope(scope: string | readonly string[] | undefined): string | undefined {
	const list = (Array.isArray(scope) ? scope : String(scope ?? '').split(' ')).map((s) => s.trim()).filter(Boolean);
	for (const item of list) {
		if (/[\s"\\]/.test(item)) throw invalidOption('scope', 'tokens without spaces or quotes', item, true);
	}
	return list.length > 0 ? [...new Set(list)].join(' ') : undefined;
}
