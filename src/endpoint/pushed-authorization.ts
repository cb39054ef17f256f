import { TokenResponseError } from '../errors.js';
import type { ZodKit } from '../oidc/zod-kit.js';
import type { Provider } from '../provider.js';
import { tryParseJson } from '../try-parse-json.js';
import { answerOf, boundedRequest } from './bounded-request.js';
import type { EndpointStep } from './index.js';
import { toRawResponse } from './raw-response.js';
import { buildTokenRequest } from './token-request.js';
import type { processErrorResponse } from './token-response.js';

/**
 * What the step takes from the bundle that runs it: the step lives in the login's chunk, which must carry no zod of its
 * own (an app's bundler would make a chunk of zod shared with the bundle, loaded up front), so the answer is checked
 * with the bundle's zod functions and an error answer read by its `processErrorResponse` (whose `OAuthError` is then
 * the app's own class, too).
 */
export interface PushedAuthorizationKit {
	readonly zod: ZodKit;
	readonly processErrorResponse: typeof processErrorResponse;
}

/**
 * The pushed authorization response, as sent on the wire.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 */
function pushedAuthorizationSchema(z: ZodKit) {
	return z.object({
		request_uri: z.custom<string>((value) => typeof value === 'string' && value !== ''),
		expires_in: z.custom<number>((value) => typeof value === 'number' && Number.isFinite(value) && value > 0),
	});
}

/** What the pushed authorization request endpoint stored: the reference the authorization request names instead. */
export interface PushedAuthorization {
	readonly requestUri: string;
	/** Epoch ms after which the server no longer knows `requestUri`. */
	readonly expiresAt: number;
}

/**
 * Push an authorization request's parameters to the server (RFC 9126 2.1): a form POST, sent with the session's
 * transport so that the client authenticates as at the token endpoint (secret, or an assertion the session's `fetch`
 * adds). `parameters`: every parameter the authorization URL would carry; `client_id` comes from the request builder.
 * `kit`: see {@link PushedAuthorizationKit}.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export function pushAuthorizationRequest(
	endpoint: string,
	parameters: URLSearchParams,
	kit: PushedAuthorizationKit,
): EndpointStep<PushedAuthorization> {
	return async (provider, transport, signal) => {
		// RFC 9126 2.1: the request is a form whatever the provider's token requests are (Squidex-style JSON bodies).
		const form: Provider = provider.bodyEncoding === 'form' ? provider : { ...provider, bodyEncoding: 'form' };
		const request = buildTokenRequest(form, endpoint, {});
		const body = new URLSearchParams(request.body);
		for (const [name, value] of parameters) if (name !== 'client_id') body.append(name, value);
		const outcome = await boundedRequest(
			request.url,
			{ method: 'POST', headers: request.headers, body: body.toString() },
			transport,
			signal,
		);
		const what = 'pushed authorization request endpoint';
		const { response, bodyText } = answerOf(outcome, what, endpoint);
		const receivedAt = transport.now();
		if (!response.ok) throw kit.processErrorResponse(toRawResponse(response, bodyText, receivedAt, request.secrets), what);
		const parsed = pushedAuthorizationSchema(kit.zod).safeParse(tryParseJson(bodyText));
		if (!parsed.success) {
			throw new TokenResponseError(
				`The ${what} answered ${response.status} without a usable request_uri and expires_in (RFC 9126 2.2). Check the issuer's \`pushed_authorization_request_endpoint\`.`,
				{ status: response.status, response },
			);
		}
		return { requestUri: parsed.data.request_uri, expiresAt: receivedAt + parsed.data.expires_in * 1000 };
	};
}
