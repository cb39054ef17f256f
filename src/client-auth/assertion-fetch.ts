import { clientSecretOf } from '../provider.js';
import { authenticatedEndpoints } from './authenticated-endpoints.js';
import { type AssertionAudience, type AssertionSigning, audienceOf, signAssertion } from './client-assertion.js';
import type { ClientAuthSession } from '../provider.js';

/** RFC 7523 2.2: the value of `client_assertion_type` for a JWT. */
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How a method signs, given the session's client secret (`clientSecretJwt` signs with it). */
export type SigningFor = (secret: string | undefined) => AssertionSigning;

/** `body` (a form or a JSON text, as the provider encodes) with the assertion's two parameters added. */
function withAssertion(body: string, json: boolean, assertion: string): string {
	const parameters = { client_assertion_type: JWT_BEARER, client_assertion: assertion };
	if (json) return JSON.stringify({ ...JSON.parse(body), ...parameters });
	const form = new URLSearchParams(body);
	for (const [name, value] of Object.entries(parameters)) form.set(name, value);
	return form.toString();
}

/**
 * A refusal whose body quotes the assertion (a server echoing its input) without it: an assertion is a credential
 * until it expires, and the error built from that body may be logged.
 */
async function withoutAssertion(response: Response, assertion: string): Promise<Response> {
	if (response.ok) return response;
	const text = await response.text();
	if (!text.includes(assertion)) return new Response(text, response);
	return new Response(text.replaceAll(assertion, '[redacted]'), response);
}

/**
 * The `authenticate` of an assertion method: each POST with a body to one of the server's client-authenticated
 * endpoints gets a new assertion (`client_assertion_type`, `client_assertion`) as it leaves, so that a retry, and
 * DPoP's nonce retry beneath which this runs, never sends one twice (servers refuse a `jti` seen before).
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export function assertionFetch(signingFor: SigningFor, options: { audience: AssertionAudience; lifetime: number }) {
	return (send: typeof fetch, session: ClientAuthSession): typeof fetch => {
		const { provider } = session;
		let signing: AssertionSigning | undefined;
		return async (input, init = {}) => {
			const url = input instanceof Request ? input.url : String(input);
			if (init.method !== 'POST' || typeof init.body !== 'string') return send(input, init);
			// Resolved already: the request's URL came from them.
			const endpoints = await session.endpoints();
			if (!authenticatedEndpoints(endpoints).has(url)) return send(input, init);
			signing ??= signingFor(clientSecretOf(provider));
			const assertion = await signAssertion(signing, {
				clientId: provider.clientId,
				audience: audienceOf(options.audience, endpoints.issuer ?? provider.issuer, url),
				now: session.now(),
				lifetime: options.lifetime,
			});
			const body = withAssertion(init.body, provider.bodyEncoding === 'json', assertion);
			return withoutAssertion(await send(input, { ...init, body }), assertion);
		};
	};
}
