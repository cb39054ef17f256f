import * as z from 'zod/mini';

/*
 * The field schemas of every answer tokenkeeper validates (token, error, discovery and device authorization
 * responses): zod/mini objects whose fields are predicates (`z.custom`). zod's own `z.string()`, `z.number()`,
 * `minLength`, `gte`, `union`, `looseObject`… each bring their code into every browser bundle for a check that takes
 * a line here; `z.object`, `z.optional` and `z.custom` are all the schemas need. Accepted and refused answers, and the
 * fields named in messages, are the same.
 */

/** A JSON string. */
export const WireString = z.custom<string>((value) => typeof value === 'string');

/** A string of one character or more. */
export const NonEmptyString = z.custom<string>((value) => typeof value === 'string' && value !== '');

/**
 * An absolute URL, judged as `requireUrl` judges options: by the platform's own parser (zod's `z.url()` would bring
 * a second, heavier opinion).
 */
export const AbsoluteUrl = z.custom<string>((value) => typeof value === 'string' && URL.canParse(value));
