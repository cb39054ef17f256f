import { describe, expect, it } from 'vitest';
import { createTokenManager, dotkernel, oauth2, squidex } from '../../src/index.js';

const base = { url: 'https://api.example.net', clientId: 'frontend', clientSecret: 'client-secret-value' };
const credentials = async () => ({ username: 'ann@example.net', password: 'password-value' });

describe('default store key', () => {
	it('derives from the endpoint, client id and scope, and, for Dotkernel given a username, that username', () => {
		const key = createTokenManager(dotkernel({ ...base, credentials, username: 'ann@example.net' })).key;
		expect(key).toBe('tokenkeeper|dotkernel|https://api.example.net|frontend|api|ann@example.net');
	});

	it('two users of one client get two sessions in a shared store; without `username` the key is as before', () => {
		const ann = createTokenManager(dotkernel({ ...base, credentials, username: 'ann' })).key;
		const bob = createTokenManager(dotkernel({ ...base, credentials, username: 'bob' })).key;
		expect(ann).not.toBe(bob);
		expect(createTokenManager(dotkernel({ ...base, credentials })).key).toBe('tokenkeeper|dotkernel|https://api.example.net|frontend|api');
	});

	it('names the default resource, so that providers differing only by it do not share a session (nor its default token)', () => {
		const orders = createTokenManager(
			oauth2({ issuer: 'https://id.example.net', clientId: 'app', resource: 'https://api.example.net/orders/' }),
		);
		const billing = createTokenManager(
			oauth2({ issuer: 'https://id.example.net', clientId: 'app', resource: 'https://api.example.net/billing/' }),
		);
		expect(orders.key).not.toBe(billing.key);
		expect(orders.key).toBe('tokenkeeper|oauth2|https://id.example.net|app||https://api.example.net/orders/');
		// Without a resource, the key is as before #24.
		expect(createTokenManager(oauth2({ issuer: 'https://id.example.net', clientId: 'app' })).key).toBe(
			'tokenkeeper|oauth2|https://id.example.net|app|',
		);
	});

	it('never contains a secret: not the client secret, not the password', () => {
		const keys = [
			createTokenManager(dotkernel({ ...base, credentials, username: 'ann' })).key,
			createTokenManager(squidex({ clientId: 'app:client', clientSecret: 'client-secret-value' })).key,
		];
		for (const key of keys) {
			expect(key).not.toContain('client-secret-value');
			expect(key).not.toContain('password-value');
		}
	});

	it('an explicit `key` wins; `username` must be a non-empty string', () => {
		expect(createTokenManager(dotkernel({ ...base, username: 'ann' }), { key: 'orders-service' }).key).toBe('orders-service');
		expect(() => dotkernel({ ...base, username: '' })).toThrow(/`username`/);
	});
});
