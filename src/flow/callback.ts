import type { AuthorizationResponseError } from '../errors.js';

/** What the authorization response said, once it has been checked. */
export interface AuthorizationResponse {
	readonly code: string;
	readonly state: string;
}

/**
 * What RFC 6749 4.1.2.1's error codes mean for the person at the keyboard, where the code does not say it already
 * (`invalid_request`, `server_error` and `temporarily_unavailable` do).
 */
const AUTHORIZATION_ERRORS: Readonly<Record<string, string>> = {
	access_denied: 'the login was refused or cancelled',
	unauthorized_client: 'this client may not use the authorization code flow',
	unsupported_response_type: 'response_type=code is not enabled for this client',
	invalid_scope: 'a requested scope is unknown or not allowed',
};

/** The callback's parameters: from the query, or from the fragment when the query has none. */
export function readCallbackParameters(callbackUrl: string | URL): URLSearchParams {
	const url = new URL(callbackUrl);
	if (url.search.length > 1) return url.searchParams;
	return new URLSearchParams(url.hash.replace(/^#/, ''));
}

/**
 * Check an authorization response against what this attempt expects: the `iss` (RFC 9207) when the provider sends
 * one and the issuer is known, an `error` turned into a typed error naming it, and a code.
 * The state has already been matched to a stored attempt by the caller.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function validateAuthorizationResponse(
	params: URLSearchParams,
	expected: { state: string; issuer: string | undefined },
	// The class of the bundle that loaded this chunk (see login-kit.ts), so that `instanceof` holds for what it throws.
	ResponseError: typeof AuthorizationResponseError,
): AuthorizationResponse {
	const iss = params.get('iss');
	if (iss !== null && expected.issuer !== undefined && iss.replace(/\/+$/, '') !== expected.issuer.replace(/\/+$/, '')) {
		throw new ResponseError(
			`The authorization response came from issuer "${iss}", not "${expected.issuer}": it may be a mix-up attack. Log in again.`,
			{ error: 'iss_mismatch' },
		);
	}
	const error = params.get('error');
	if (error !== null) {
		// Own keys only: an error named like an Object method (`constructor`) has no meaning here.
		const meaning = Object.hasOwn(AUTHORIZATION_ERRORS, error) ? `: ${AUTHORIZATION_ERRORS[error]}` : '';
		const description = params.get('error_description');
		throw new ResponseError(`Login failed (${error})${meaning}${description ? ` ("${description}")` : ''}. Start the login again.`, {
			error,
		});
	}
	const code = params.get('code');
	if (!code) {
		throw new ResponseError('The authorization response has no code: log in again.', { error: 'missing_code' });
	}
	return { code, state: expected.state };
}
