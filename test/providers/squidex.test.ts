import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { clientSecretOf } from '../../src/provider.js';
import { squidex } from '../../src/providers/squidex.js';
import { providerRenderings } from '../_helpers/secrets.js';
import { SECRET } from '../_helpers/token-server.js';

const CLIENT_ID = 'food-crunch:default';

function oauthError(error: string): OAuthError {
	return new OAuthError({ error, status: 400 }, error);
}

describe('squidex()', () => {
	it('defaults: cloud.squidex.io, its token endpoint, scope squidex-api, form body, secret in body, rejection [401]', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.name).toBe('squidex');
		expect(provider.clientId).toBe(CLIENT_ID);
		expect(provider.issuer).toBe('https://cloud.squidex.io');
		expect(provider.endpoints).toEqual({ token: 'https://cloud.squidex.io/identity-server/connect/token' });
		expect(provider.scope).toBe('squidex-api');
		expect(provider.bodyEncoding).toBe('form');
		expect(provider.clientAuth).toBe('body');
		expect(provider.rejectionStatuses).toEqual([401]);
		expect(provider.primaryGrant).toEqual({ type: 'client_credentials' });
		expect(clientSecretOf(provider)).toBe(SECRET);
	});

	it('a self-hosted url (trailing slash dropped) moves the token endpoint and the issuer with it', () => {
		const provider = squidex({ url: 'https://squidex.example.com/', clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.issuer).toBe('https://squidex.example.com');
		expect(provider.endpoints?.token).toBe('https://squidex.example.com/identity-server/connect/token');
	});

	it('scope and client auth can be changed', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET, scope: 'squidex-api other', clientAuth: 'basic' });
		expect(provider.scope).toBe('squidex-api other');
		expect(provider.clientAuth).toBe('basic');
	});

	it('is frozen plain data', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		expect(Object.isFrozen(provider)).toBe(true);
		expect(Object.isFrozen(provider.rejectionStatuses)).toBe(true);
		expect(() => {
			(provider as { clientId: string }).clientId = 'other';
		}).toThrow(TypeError);
	});

	it('the secret is nowhere in JSON.stringify, util.inspect, values or a spread of the provider', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		for (const text of providerRenderings(provider)) expect(text).not.toContain(SECRET);
		expect(Object.keys(provider)).not.toContain('clientSecret');
	});

	it('a dead refresh token is invalid_grant', () => {
		const provider = squidex({ clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.isRefreshRejected(oauthError('invalid_grant'))).toBe(true);
		expect(provider.isRefreshRejected(oauthError('invalid_client'))).toBe(false);
	});

	it.each([
		['missing clientId', { clientSecret: SECRET }, /^Expected `clientId` to be a non-empty string, got undefined$/],
		['empty clientId', { clientId: '', clientSecret: SECRET }, /^Expected `clientId`/],
		['non-string clientId', { clientId: 42, clientSecret: SECRET }, /^Expected `clientId`/],
		['missing clientSecret', { clientId: CLIENT_ID }, /^Expected `clientSecret` to be a non-empty string, got undefined$/],
		['empty clientSecret', { clientId: CLIENT_ID, clientSecret: '' }, /^Expected `clientSecret`/],
		['relative url', { url: 'squidex.example.com', clientId: CLIENT_ID, clientSecret: SECRET }, /^Expected `url` to be an absolute URL/],
	])('%s -> TypeError with a uniform message', (_name, options, message) => {
		expect(() => squidex(options as never)).toThrow(TypeError);
		expect(() => squidex(options as never)).toThrow(message);
	});

	it('no options at all -> the same uniform TypeError ("Expected `clientId`…"), not a property read on undefined', () => {
		expect(() => squidex(undefined as never)).toThrow(TypeError);
		expect(() => squidex(undefined as never)).toThrow(/^Expected `clientId`/);
	});

	it('an invalid option error never echoes the secret', () => {
		let message = '';
		try {
			squidex({ url: 'not a url', clientId: CLIENT_ID, clientSecret: SECRET });
		} catch (error) {
			message = `${(error as Error).message}\n${(error as Error).stack}`;
		}
		expect(message).toMatch(/Expected `url`/);
		expect(message).not.toContain(SECRET);
	});
});
