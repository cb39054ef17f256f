import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTokenManager, MissingPackageError, oauth2, tlsClientAuth } from '../../src/index.js';
import { makeCertificates } from '../_helpers/tls-certificates.js';

// undici as an app without it sees it: its import fails.
vi.mock('undici', () => {
	throw Object.assign(new Error("Cannot find package 'undici'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

const { client, dir } = makeCertificates('backend-1');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tlsClientAuth without the optional package undici', () => {
	it('is made (undici is loaded at the first request), and each request fails with MissingPackageError: npm install undici', async () => {
		const mtls = tlsClientAuth(client);
		const provider = oauth2({ clientId: 'backend-1', tokenEndpoint: 'https://127.0.0.1:9/token', clientAuth: mtls });
		const failure = await createTokenManager(provider, { fetch: mtls.fetch, retry: 0 })
			.getToken()
			.catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(MissingPackageError);
		expect(failure).toMatchObject({ code: 'ERR_MISSING_PACKAGE', packageName: 'undici' });
		expect((failure as Error).message).toContain('npm install undici');
		await expect(mtls.fetch('https://127.0.0.1:9/api')).rejects.toThrow('tlsClientAuth() needs the optional package `undici`');
	});
});
