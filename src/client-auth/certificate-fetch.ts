import { missingPackageError } from '../optional-package.js';

/** A client certificate, its key (PEM), and the CAs servers are checked against (Node's when `undefined`). */
export interface TlsMaterial {
	readonly cert: string;
	readonly key: string;
	readonly ca: string[] | undefined;
}

type Undici = typeof import('undici');

/**
 * `init` for undici's fetch, from a request `input` made by the global `Request` (ky makes them): undici takes only its
 * own, and Node's global one is another copy of undici (an older one on Node 20).
 */
function asInit(input: Request, init: RequestInit | undefined): RequestInit & { duplex?: 'half' } {
	return {
		method: input.method,
		headers: input.headers,
		body: input.body,
		signal: input.signal,
		redirect: input.redirect,
		// A stream body must say so (undici requires it); a request without one ignores it.
		duplex: 'half',
		...init,
	};
}

/**
 * A fetch that connects with a client certificate: undici's `fetch` with an `Agent` whose TLS connections present
 * `material`, both from the one `undici` package (an Agent must be used with its own version's fetch). `undici` is an
 * optional peer dependency, imported at the first request; without it each request fails with the
 * `MissingPackageError` that says `npm install undici`. The Agent keeps its connections, so requests reuse them.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 */
export function certificateFetch(material: TlsMaterial, neededBy: string): typeof fetch {
	let transport: Promise<{ fetch: Undici['fetch']; dispatcher: InstanceType<Undici['Agent']> }> | undefined;
	const load = () =>
		import('undici').then(
			({ Agent, fetch }) => ({ fetch, dispatcher: new Agent({ connect: { cert: material.cert, key: material.key, ca: material.ca } }) }),
			(failure: unknown) => {
				throw missingPackageError('undici', neededBy, failure);
			},
		);
	return async (input, init) => {
		transport ??= load();
		const { fetch, dispatcher } = await transport;
		const [url, options] = input instanceof Request ? [input.url, asInit(input, init)] : [String(input), init];
		// undici's Response and Request types are its own copies of the global ones; they behave alike.
		return (await fetch(url, { ...(options as object), dispatcher })) as unknown as Response;
	};
}
