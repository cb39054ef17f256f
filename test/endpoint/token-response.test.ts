import { describe, expect, it } from 'vitest';
import { ErrorCode, OAuthError, TokenResponseError, isOAuthError, isTokenkeeperError } from '../../src/errors.js';
import type { RawTokenResponse } from '../../src/endpoint/raw-response.js';
import { processErrorResponse, processTokenResponse } from '../../src/endpoint/token-response.js';

const NOW = 1_700_000_000_000;
const ACCESS = 'AT-0123456789abcdef';

function raw(body: unknown, status = 200, contentType = 'application/json'): RawTokenResponse {
	return { status, contentType, bodyText: typeof body === 'string' ? body : JSON.stringify(body), receivedAt: NOW };
}

/** Run `fn`, expect it to throw, and return what it threw. */
function thrownBy(fn: () => unknown): unknown {
	try {
		fn();
	} catch (error) {
		return error;
	}
	throw new Error('expected a throw');
}

const HTML = '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>';

describe('processTokenResponse', () => {
	it('a valid response -> TokenSet with absolute expiry, normalised type and every optional field', () => {
		const tokenSet = processTokenResponse(
			raw({ access_token: ACCESS, token_type: 'bearer', expires_in: 3600, refresh_token: 'RT-1', scope: 'a b', id_token: 'IT-1' }),
		);
		expect(tokenSet.accessToken).toBe(ACCESS);
		expect(tokenSet.tokenType).toBe('Bearer');
		expect(tokenSet.expiresAt).toBe(NOW + 3_600_000);
		expect(tokenSet.refreshToken).toBe('RT-1');
		expect(tokenSet.scope).toBe('a b');
		expect(tokenSet.idToken).toBe('IT-1');
	});

	it('an HTML page with status 200 -> TokenResponseError ERR_TOKEN_RESPONSE naming the content type, not the page', () => {
		const error = thrownBy(() => processTokenResponse(raw(HTML, 200, 'text/html; charset=utf-8')));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect(isTokenkeeperError(error)).toBe(true);
		const { code, status, message } = error as TokenResponseError;
		expect(code).toBe(ErrorCode.TokenResponse);
		expect(code).toBe('ERR_TOKEN_RESPONSE');
		expect(status).toBe(200);
		expect(message).toMatch(/text\/html/);
		expect(message).not.toMatch(/Bad Gateway|<html/);
	});

	it('invalid JSON -> TokenResponseError ERR_TOKEN_RESPONSE', () => {
		for (const body of ['{"access_token": "AT', '', 'null-ish', '{access_token: AT}']) {
			const error = thrownBy(() => processTokenResponse(raw(body)));
			expect(error).toBeInstanceOf(TokenResponseError);
			expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		}
	});

	it('200 without access_token (or an empty one, or a non-object body) -> TokenResponseError naming the field', () => {
		for (const body of [{ token_type: 'Bearer', expires_in: 60 }, { access_token: '' }, { access_token: 42 }]) {
			const error = thrownBy(() => processTokenResponse(raw(body)));
			expect(error).toBeInstanceOf(TokenResponseError);
			expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
			expect((error as Error).message).toMatch(/access_token/);
		}
		for (const body of ['null', '[]', '"AT"', '42']) {
			const error = thrownBy(() => processTokenResponse(raw(body)));
			expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		}
	});

	it.each([
		['negative', -1],
		['a non-numeric string', 'one hour'],
		['a negative numeric string', '-60'],
		['an object', { seconds: 3600 }],
		['an array', [3600]],
		['a boolean', true],
		['null', null],
	])('expires_in %s -> TokenResponseError naming expires_in', (_name, expiresIn) => {
		const error = thrownBy(() => processTokenResponse(raw({ access_token: ACCESS, token_type: 'Bearer', expires_in: expiresIn })));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		expect((error as Error).message).toMatch(/expires_in/);
		// The token that came with the broken response is not echoed.
		expect((error as Error).message).not.toContain(ACCESS.slice(3, 9));
	});

	it('expires_in 1e999 (infinite once parsed) -> TokenResponseError naming expires_in', () => {
		const error = thrownBy(() => processTokenResponse(raw(`{"access_token":"${ACCESS}","expires_in":1e999}`)));
		expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
		expect((error as Error).message).toMatch(/expires_in/);
	});

	it('an empty refresh_token, or a non-string token_type, scope or id_token -> TokenResponseError naming the field', () => {
		for (const field of ['refresh_token', 'token_type', 'scope', 'id_token']) {
			const value = field === 'refresh_token' ? '' : 42;
			const error = thrownBy(() => processTokenResponse(raw({ access_token: ACCESS, [field]: value })));
			expect((error as TokenResponseError).code).toBe(ErrorCode.TokenResponse);
			expect((error as Error).message).toContain(field);
		}
	});

	it("expires_in '3600' (a string of digits) is accepted as 3600 s", () => {
		const tokenSet = processTokenResponse(raw({ access_token: ACCESS, token_type: 'Bearer', expires_in: '3600' }));
		expect(tokenSet.expiresAt).toBe(NOW + 3_600_000);
	});

	it('expires_in 0 is accepted: expires at receipt', () => {
		const tokenSet = processTokenResponse(raw({ access_token: ACCESS, token_type: 'Bearer', expires_in: 0 }));
		expect(tokenSet.expiresAt).toBe(NOW);
	});

	it('missing expires_in -> expiresAt undefined (kept until rejected)', () => {
		const tokenSet = processTokenResponse(raw({ access_token: ACCESS, token_type: 'Bearer' }));
		expect(tokenSet.expiresAt).toBeUndefined();
	});

	it('missing token_type -> Bearer', () => {
		expect(processTokenResponse(raw({ access_token: ACCESS })).tokenType).toBe('Bearer');
	});

	it.each(['DPoP', 'mac', 'N_A'])('token_type %s -> TokenResponseError ERR_UNSUPPORTED_TOKEN_TYPE', (tokenType) => {
		const error = thrownBy(() => processTokenResponse(raw({ access_token: ACCESS, token_type: tokenType, expires_in: 60 })));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect((error as TokenResponseError).code).toBe(ErrorCode.UnsupportedTokenType);
		expect((error as TokenResponseError).code).toBe('ERR_UNSUPPORTED_TOKEN_TYPE');
		expect((error as Error).message).toContain(tokenType);
	});
});

describe('processErrorResponse', () => {
	it('RFC 6749 error -> OAuthError with error, errorDescription, errorUri and status', () => {
		const error = processErrorResponse(
			raw({ error: 'invalid_client', error_description: 'Client authentication failed.', error_uri: 'https://auth.test/docs/errors' }, 401),
		);
		expect(error).toBeInstanceOf(OAuthError);
		expect(isOAuthError(error)).toBe(true);
		const oauth = error as OAuthError;
		expect(oauth.code).toBe(ErrorCode.OAuth);
		expect(oauth.error).toBe('invalid_client');
		expect(oauth.errorDescription).toBe('Client authentication failed.');
		expect(oauth.errorUri).toBe('https://auth.test/docs/errors');
		expect(oauth.status).toBe(401);
		expect(oauth.extras).toEqual({});
		expect(oauth.message).toMatch(/401 invalid_client: Client authentication failed\./);
		expect(oauth.message).toMatch(/client id and client secret/);
		expect(JSON.parse(JSON.stringify(oauth))).toEqual({
			name: 'OAuthError',
			code: 'ERR_OAUTH',
			message: oauth.message,
			error: 'invalid_client',
			errorDescription: 'Client authentication failed.',
			errorUri: 'https://auth.test/docs/errors',
			status: 401,
		});
	});

	it('an HTML error page -> TokenResponseError ERR_TOKEN_RESPONSE with the status', () => {
		const error = processErrorResponse(raw(HTML, 502, 'text/html'));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect(error.code).toBe(ErrorCode.TokenResponse);
		expect((error as TokenResponseError).status).toBe(502);
		expect(error.message).toMatch(/502 with a text\/html body/);
	});

	it('an empty body without content type -> TokenResponseError saying so', () => {
		const error = processErrorResponse(raw('', 500, ''));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect(error.message).toMatch(/without content type/);
	});

	it('JSON without `error` -> TokenResponseError, not OAuthError', () => {
		const error = processErrorResponse(raw({ message: 'Internal Server Error' }, 500));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect(error.code).toBe(ErrorCode.TokenResponse);
	});

	it.each([
		['an empty string', ''],
		['a number', 42],
		['null', null],
		['an object without messages', { message: 'no' }],
		['messages that are not an array', { messages: 'no' }],
		['messages that are not all strings', { messages: ['no', 42] }],
	])('`error` as %s -> TokenResponseError, not OAuthError', (_name, value) => {
		const error = processErrorResponse(raw({ error: value }, 400));
		expect(error).toBeInstanceOf(TokenResponseError);
		expect(error.code).toBe(ErrorCode.TokenResponse);
	});

	it('Dotkernel bad credentials (400, sentence in `error`) -> OAuthError saying the username or password was refused', () => {
		const body = {
			error: 'Invalid credentials.',
			error_description: 'Invalid credentials.',
			message: 'Invalid credentials.',
		};
		const error = processErrorResponse(raw(body, 400));
		expect(error).toBeInstanceOf(OAuthError);
		const oauth = error as OAuthError;
		expect(oauth.error).toBe('Invalid credentials.');
		expect(oauth.errorDescription).toBe('Invalid credentials.');
		expect(oauth.status).toBe(400);
		expect(oauth.extras).toEqual({ message: 'Invalid credentials.' });
		expect(oauth.message).toMatch(/username or password was refused/);
		// Description equal to the error is said once.
		expect(oauth.message.match(/Invalid credentials\./g)).toHaveLength(1);
	});

	it('Dotkernel guest 403 `{"error":{"messages":[…]}}` -> OAuthError access_denied with the messages as description', () => {
		const error = processErrorResponse(raw({ error: { messages: ['You are not allowed to access this resource.'] } }, 403));
		expect(error).toBeInstanceOf(OAuthError);
		const oauth = error as OAuthError;
		expect(oauth.error).toBe('access_denied');
		expect(oauth.errorDescription).toBe('You are not allowed to access this resource.');
		expect(oauth.status).toBe(403);
		expect(oauth.message).toMatch(/403/);
		expect(oauth.message).toContain('You are not allowed to access this resource.');
	});

	it('Dotkernel refresh failure keeps `hint` and `message` in extras', () => {
		const body = {
			error: 'invalid_request',
			error_description: 'The refresh token is invalid.',
			hint: 'Cannot decrypt the refresh token',
			message: 'The refresh token is invalid.',
		};
		const error = processErrorResponse(raw(body, 401));
		expect(error).toBeInstanceOf(OAuthError);
		const oauth = error as OAuthError;
		expect(oauth.error).toBe('invalid_request');
		expect(oauth.errorDescription).toBe('The refresh token is invalid.');
		expect(oauth.status).toBe(401);
		expect(oauth.extras.hint).toBe('Cannot decrypt the refresh token');
		expect(oauth.extras).toEqual({ hint: 'Cannot decrypt the refresh token', message: 'The refresh token is invalid.' });
		// A field named like an Object method is an extra like any other.
		expect((processErrorResponse(raw({ error: 'invalid_request', constructor: 'x' }, 400)) as OAuthError).extras).toEqual({
			constructor: 'x',
		});
		expect(Object.isFrozen(oauth.extras)).toBe(true);
	});

	it('invalid_grant -> advice to get a new grant', () => {
		const error = processErrorResponse(raw({ error: 'invalid_grant' }, 400)) as OAuthError;
		expect(error.error).toBe('invalid_grant');
		expect(error.errorDescription).toBeUndefined();
		expect(error.message).toMatch(/invalid, expired or was already used/);
	});

	it('the raw response, when given, is kept non-enumerable', () => {
		const response = new Response('{}', { status: 400 });
		const error = processErrorResponse({ ...raw({ error: 'invalid_client' }, 400), response });
		expect(error.response).toBe(response);
		expect(Object.keys(error)).not.toContain('response');
		expect(JSON.stringify(error)).not.toContain('"response"');
	});
});
