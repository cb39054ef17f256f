import { useCallback, useRef } from 'react';
import { type ClientOptions, createClient, type GetTokenOptions } from 'tokenkeeper';
import { useFlow } from './context.js';

/** Options of {@link useClient}: `createClient`'s, with the session as `auth`. */
export type UseClientOptions = Omit<ClientOptions, 'auth'>;

/** Options of {@link useAccessToken}: which API's token. */
export type UseAccessTokenOptions = Pick<GetTokenOptions, 'resource' | 'scope'>;

const sameOptions = (a: object, b: object) =>
	Object.keys(a).length === Object.keys(b).length &&
	Object.entries(a).every(([key, value]) => Object.is(value, (b as Record<string, unknown>)[key]));

/**
 * A `createClient` (ky) on the session, made once per options: a new object with the same values (an inline
 * `{ prefixUrl }`) keeps the client, and its cached token. It attaches the session's token to its own origin only.
 * @example
 * const api = useClient({ prefixUrl: 'https://api.example/' });
 * const orders = await api.get('orders').json();
 */
export function useClient(options: UseClientOptions): ReturnType<typeof createClient> {
	const flow = useFlow();
	const made = useRef<{ flow: unknown; options: UseClientOptions; client: ReturnType<typeof createClient> }>(undefined);
	if (made.current?.flow !== flow || !sameOptions(made.current.options, options)) {
		made.current = { flow, options, client: createClient({ ...options, auth: flow.tokens }) };
	}
	return made.current.client;
}

/**
 * For an HTTP client other than tokenkeeper's: a function that resolves with the session's access token (`Bearer`),
 * cached, refreshed when needed, one request for any number of callers. It asks for nothing until called. A
 * DPoP-bound session needs each request signed: use {@link useClient} there.
 * @example
 * const getAccessToken = useAccessToken();
 * const response = await fetch(url, { headers: { authorization: `Bearer ${await getAccessToken()}` } });
 */
export function useAccessToken(options: UseAccessTokenOptions = {}): (signal?: AbortSignal) => Promise<string> {
	const flow = useFlow();
	const { resource, scope } = options;
	// The scope's words, not its array: an inline `['read']` keeps the function.
	const words = typeof scope === 'string' ? scope : scope?.join(' ');
	return useCallback(
		(signal?: AbortSignal) => flow.tokens.getToken({ resource, scope: words, signal }).then((tokenSet) => tokenSet.accessToken),
		[flow, resource, words],
	);
}
