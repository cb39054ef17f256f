import { describe, expect, it } from 'vitest';
import { buildTokenRequest } from '../../src/endpoint/token-request.js';
import { oauth2 } from '../../src/providers/oauth2.js';
import { CLIENT_ID, GRANT, decodeBasic, provider } from '../_helpers/endpoint.js';
import { SECRET, TOKEN_URL } from '../_helpers/token-server.js';

describe('buildTokenRequest', () => {
	it('form encoding (default): application/x-www-form-urlencoded body, Accept JSON, undefined parameters dropped', () => {
		const request = buildTokenRequest(provider('none'), TOKEN_URL, { grant_type: 'client_credentials', scope: 'a b', audience: undefined });
		expect(request.url).toBe(TOKEN_URL);
		expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(request.headers.accept).toBe('application/json');
		expect(request.body).toBe('grant_type=client_credentials&scope=a+b&client_id=food-crunch%3Adefault');
		expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
			grant_type: 'client_credentials',
			scope: 'a b',
			client_id: CLIENT_ID,
		});
	});

	it('JSON encoding (Dotkernel): application/json body with the same parameters', () => {
		const request = buildTokenRequest(provider('body', { bodyEncoding: 'json' }), TOKEN_URL, {
			grant_type: 'password',
			username: 'test@dotkernel.com',
			password: 'dotkernel',
			scope: undefined,
		});
		expect(request.headers['content-type']).toBe('application/json');
		expect(JSON.parse(request.body)).toEqual({
			grant_type: 'password',
			username: 'test@dotkernel.com',
			password: 'dotkernel',
			client_id: CLIENT_ID,
			client_secret: SECRET,
		});
		expect(request.headers.authorization).toBeUndefined();
	});

	it('client auth `body`: client_id and client_secret in the body, no Authorization header', () => {
		const request = buildTokenRequest(provider('body'), TOKEN_URL, GRANT);
		const params = Object.fromEntries(new URLSearchParams(request.body));
		expect(params.client_id).toBe(CLIENT_ID);
		expect(params.client_secret).toBe(SECRET);
		expect(request.headers.authorization).toBeUndefined();
	});

	it('client auth `basic`: Authorization header, neither client_id nor client_secret in the body', () => {
		const request = buildTokenRequest(provider('basic'), TOKEN_URL, GRANT);
		const params = Object.fromEntries(new URLSearchParams(request.body));
		expect(params).toEqual({ grant_type: 'client_credentials', scope: 'squidex-api' });
		expect(decodeBasic(request.headers.authorization!)).toMatchObject({ id: CLIENT_ID, secret: SECRET });
	});

	it('client auth `none` (public client): client_id only, no secret anywhere', () => {
		const request = buildTokenRequest(provider('none'), TOKEN_URL, GRANT);
		const params = Object.fromEntries(new URLSearchParams(request.body));
		expect(params.client_id).toBe(CLIENT_ID);
		expect(params).not.toHaveProperty('client_secret');
		expect(request.headers.authorization).toBeUndefined();
	});

	it('RFC 6749 2.3.1: Basic form-encodes id and secret before base64 (colon in id; `:`, `+`, space, `%` in secret)', () => {
		const secret = 'p:a+s s%w0rd/=~';
		const p = oauth2({ tokenEndpoint: TOKEN_URL, clientId: CLIENT_ID, clientSecret: secret, clientAuth: 'basic' });
		const { authorization } = buildTokenRequest(p, TOKEN_URL, GRANT).headers;
		const decoded = decodeBasic(authorization!);
		expect(decoded.pair).toBe('food-crunch%3Adefault:p%3Aa%2Bs+s%25w0rd%2F%3D%7E');
		// Exactly one raw colon: the separator. A server splitting at the first colon gets the whole id.
		expect(decoded.pair.split(':')).toHaveLength(2);
		expect(decoded.id).toBe(CLIENT_ID);
		expect(decoded.secret).toBe(secret);
	});

	it('RFC 6749 2.3.1: non-ASCII characters are UTF-8 percent-encoded (btoa never sees them)', () => {
		const p = oauth2({ tokenEndpoint: TOKEN_URL, clientId: 'app:clïent', clientSecret: 'sécret€', clientAuth: 'basic' });
		const decoded = decodeBasic(buildTokenRequest(p, TOKEN_URL, GRANT).headers.authorization!);
		expect(decoded).toMatchObject({ id: 'app:clïent', secret: 'sécret€' });
	});
});
