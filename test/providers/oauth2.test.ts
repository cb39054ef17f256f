import { describe, expect, it } from 'vitest';
import { oauth2 } from '../../src/providers/oauth2.js';
import { defaultKey } from '../../src/token-manager.js';
import { providerRenderings } from '../_helpers/secrets.js';
import { SECRET } from '../_helpers/token-server.js';

const CLIENT_ID = 'food-crunch:default';
const ISSUER = 'https://login.test';

describe('oauth2()', () => {
	it('requires exactly one of tokenEndpoint and issuer, or resource alone', () => {
		const both = { tokenEndpoint: `${ISSUER}/token`, issuer: ISSUER, clientId: CLIENT_ID };
		expect(() => oauth2(both)).toThrow(TypeError);
		expect(() => oauth2(both)).toThrow(
			expect.objectContaining({
				code: 'ERR_INVALID_OPTION',
				message: 'Expected exactly one of `tokenEndpoint` and `issuer`, or `resource` alone, got both',
			}),
		);
		expect(() => oauth2({ ...both, resource: 'https://api.test/' })).toThrow(/got both/);
		expect(() => oauth2({ clientId: CLIENT_ID })).toThrow(
			expect.objectContaining({
				code: 'ERR_INVALID_OPTION',
				message: 'Expected exactly one of `tokenEndpoint` and `issuer`, or `resource` alone, got neither',
			}),
		);
		expect(() => oauth2({ tokenEndpoint: '', issuer: '', clientId: CLIENT_ID })).toThrow(/exactly one/);
		expect(() => oauth2(undefined as never)).toThrow(/exactly one/);
	});

	it('with tokenEndpoint: known endpoint, no discovery; Basic auth by default with a secret (RFC 6749 2.3.1)', () => {
		const provider = oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, clientSecret: SECRET });
		expect(provider.name).toBe('oauth2');
		expect(provider.endpoints).toEqual({ token: `${ISSUER}/token` });
		expect(provider.issuer).toBeUndefined();
		expect(provider.clientAuth).toBe('basic');
		expect(provider.bodyEncoding).toBe('form');
		expect(provider.rejectionStatuses).toEqual([401]);
		expect(provider.primaryGrant).toEqual({ type: 'client_credentials' });
		for (const text of providerRenderings(provider)) expect(text).not.toContain(SECRET);
	});

	it('without a secret: a public client (`none`)', () => {
		expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID }).clientAuth).toBe('none');
	});

	it('a token endpoint keeps its exact path, trailing slash included (e.g. django-oauth-toolkit `/o/token/`)', () => {
		const provider = oauth2({ tokenEndpoint: 'https://auth.test/o/token/', clientId: CLIENT_ID });
		expect(provider.endpoints?.token).toBe('https://auth.test/o/token/');
	});

	it('scope as an array is space-separated; an empty scope is no scope', () => {
		expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, scope: ['read', 'write'] }).scope).toBe('read write');
		expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, scope: [] }).scope).toBeUndefined();
	});

	it('password grant keeps the credentials callback; `basic` without a secret is refused', () => {
		const credentials = async () => ({ username: 'u', password: 'p' });
		const provider = oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, grant: 'password', credentials });
		expect(provider.primaryGrant).toEqual({ type: 'password', credentials });
		expect(() => oauth2({ tokenEndpoint: `${ISSUER}/token`, clientId: CLIENT_ID, clientAuth: 'basic' })).toThrow(/Expected `clientSecret`/);
	});

	it.each([
		['missing clientId', { tokenEndpoint: `${ISSUER}/token` }, /^Expected `clientId` to be a non-empty string, got undefined$/],
		['relative tokenEndpoint', { tokenEndpoint: '/token', clientId: CLIENT_ID }, /^Expected `tokenEndpoint` to be an absolute URL/],
		['relative issuer', { issuer: 'login.test', clientId: CLIENT_ID }, /^Expected `issuer` to be an absolute URL/],
	])('%s -> TypeError with a uniform message', (_name, options, message) => {
		expect(() => oauth2(options as never)).toThrow(TypeError);
		expect(() => oauth2(options as never)).toThrow(message);
	});

	describe('an API known only by its URL: `resource` alone (RFC 9728)', () => {
		it('has neither issuer nor endpoints until discovered; its default resource is the API', () => {
			const provider = oauth2({ resource: 'https://mcp.test/mcp', clientId: CLIENT_ID, clientSecret: SECRET });
			expect(provider.issuer).toBeUndefined();
			expect(provider.endpoints).toBeUndefined();
			expect(provider.resource).toBe('https://mcp.test/mcp');
			expect(provider.clientAuth).toBe('basic');
			for (const text of providerRenderings(provider)) expect(text).not.toContain(SECRET);
		});

		it('accepts https, and http on a loopback host (a local server, a test)', () => {
			for (const resource of ['https://mcp.test', 'http://127.0.0.1:8080/mcp', 'http://localhost:3000/', 'http://[::1]:3000/api']) {
				expect(oauth2({ resource, clientId: CLIENT_ID }).resource).toBe(resource);
			}
		});

		it.each([
			['http across the network', 'http://mcp.test/mcp'],
			['a fragment', 'https://mcp.test/mcp#tools'],
			['another scheme', 'ftp://mcp.test/mcp'],
		])('refuses a resource with %s: the client secret would go where its metadata says', (_name, resource) => {
			expect(() => oauth2({ resource, clientId: CLIENT_ID, clientSecret: SECRET })).toThrow(
				expect.objectContaining({
					code: 'ERR_INVALID_OPTION',
					option: 'resource',
					message: `Expected \`resource\` to be an https URL (or http on a loopback host) without a fragment, with neither \`issuer\` nor \`tokenEndpoint\`, got "${resource}"`,
				}),
			);
		});

		it('beside an issuer or a token endpoint, a resource is only the default target: any absolute URL', () => {
			expect(oauth2({ issuer: ISSUER, resource: 'urn:example:api', clientId: CLIENT_ID }).resource).toBe('urn:example:api');
			expect(oauth2({ tokenEndpoint: `${ISSUER}/token`, resource: 'http://api.test/', clientId: CLIENT_ID }).resource).toBe(
				'http://api.test/',
			);
		});

		it('two APIs with one client id are two sessions: the default store key names the resource', () => {
			const a = oauth2({ resource: 'https://a.test/mcp', clientId: CLIENT_ID });
			const b = oauth2({ resource: 'https://b.test/mcp', clientId: CLIENT_ID });
			expect(defaultKey(a)).toBe('tokenkeeper|oauth2|https://a.test/mcp|food-crunch:default|');
			expect(defaultKey(a)).not.toBe(defaultKey(b));
			// With an issuer the key names the server first, then the default resource: providers differing only by it
			// have sessions of their own (each session's default token is for its own API).
			expect(defaultKey(oauth2({ issuer: ISSUER, resource: 'https://a.test/mcp', clientId: CLIENT_ID }))).toBe(
				`tokenkeeper|oauth2|${ISSUER}|food-crunch:default||https://a.test/mcp`,
			);
		});
	});

	describe('OpenID discovery from `issuer`', () => {
		it('a provider with an issuer has no endpoints until discovered', () => {
			const provider = oauth2({ issuer: `${ISSUER}/`, clientId: CLIENT_ID, clientSecret: SECRET });
			expect(provider.endpoints).toBeUndefined();
			expect(provider.issuer).toBe(ISSUER);
		});
	});
});
