/**
 * Revocation (RFC 7009). In browsers a chunk of its own, loaded with `import()` at a logout (a page that calls APIs with
 * the session never revokes): there its dependencies are those of the bundle that loads it (revocation-deps.browser.ts).
 */
import type { Provider } from '../provider.js';
import type { TokenSet } from '../token-set.js';
import {
	answerOf,
	boundedRequest,
	buildTokenRequest,
	processErrorResponse,
	resolveEndpoints,
	TokenkeeperError,
	toRawResponse,
	useRevocationKit,
} from './revocation-deps.js';
import type { RevocationKit } from './revocation-kit.js';
import type { Transport } from './transport.js';

/**
 * Revoke one token (RFC 7009): form body with `token` and `token_type_hint`, the client authenticated as for
 * token requests. Resolves on success (200, as the RFC says even for unknown tokens), else throws what went wrong.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
async function revokeToken(
	provider: Provider,
	endpoint: string,
	token: string,
	hint: 'access_token' | 'refresh_token',
	transport: Transport,
): Promise<void> {
	const request = buildTokenRequest(provider, endpoint, { token, token_type_hint: hint });
	const outcome = await boundedRequest(request.url, { method: 'POST', headers: request.headers, body: request.body }, transport, undefined);
	// A body too large fails even with a 200: no revocation endpoint sends a megabyte (a wrong URL serving a file might),
	// so the token may live on.
	const { response, bodyText } = answerOf(outcome, 'revocation endpoint', endpoint);
	if (!response.ok) {
		throw processErrorResponse(toRawResponse(response, bodyText, transport.now(), request.secrets), 'revocation endpoint');
	}
}

/**
 * Revoke a session's refresh token, then its access token, at the provider's revocation endpoint. Resolves with
 * what went wrong (nothing: both revoked); it never throws, since logging out must clear local state regardless.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revokeTokenSet(
	provider: Provider,
	tokenSet: TokenSet,
	transport: Transport,
	// The browser chunk's dependencies, from the bundle that loads it (revoke.browser.ts); elsewhere the modules themselves.
	kit?: RevocationKit,
): Promise<TokenkeeperError[]> {
	useRevocationKit(kit);
	let endpoint: string | undefined;
	try {
		endpoint = (await resolveEndpoints(provider, transport)).revocation;
	} catch (error) {
		return [error as TokenkeeperError];
	}
	if (!endpoint) {
		return [
			new TokenkeeperError(
				'ERR_REVOCATION_UNSUPPORTED',
				`Provider ${provider.name} has no revocation endpoint: the tokens stay valid until they expire.`,
			),
		];
	}
	const errors: TokenkeeperError[] = [];
	// The refresh token first: revoking it may end the access token too, never the other way round.
	for (const [token, hint] of [
		[tokenSet.refreshToken, 'refresh_token'],
		[tokenSet.accessToken, 'access_token'],
	] as const) {
		if (!token) continue;
		try {
			await revokeToken(provider, endpoint, token, hint, transport);
		} catch (error) {
			errors.push(error as TokenkeeperError);
		}
	}
	return errors;
}
