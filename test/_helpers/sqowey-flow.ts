import { expect } from 'vitest';
import { createAuthorizationCodeFlow, sqowey, type AuthorizationCodeFlow, type AuthorizationCodeFlowOptions } from '../../src/index.js';
import { createMemoryStorage, type KeyValueStorage } from '../../src/key-value-storage.js';
import type { EmulatorControls } from '../../src/testing/index.js';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** A memory attempt storage that also keeps every value written: lets a test know the PKCE verifier it must never see. */
export function createRecordingStorage(): KeyValueStorage & { readonly written: string[] } {
	const storage = createMemoryStorage();
	const written: string[] = [];
	return {
		written,
		getItem: (key) => storage.getItem(key),
		setItem: (key, value) => {
			written.push(value);
			storage.setItem(key, value);
		},
		removeItem: (key) => storage.removeItem(key),
	};
}

/** A Sqowey login flow against the emulator, tokens in memory, no retries unless asked. */
export function createSqoweyFlow(emulator: EmulatorControls, options: AuthorizationCodeFlowOptions = {}): AuthorizationCodeFlow {
	const { url, clientId } = emulator.credentials.sqowey;
	return createAuthorizationCodeFlow(sqowey({ url, clientId, redirectUri: REDIRECT_URI }), {
		attemptStorage: createMemoryStorage(),
		storage: 'memory',
		retry: 0,
		...options,
	});
}

/** What a browser does: follow the authorization URL to the provider, which redirects back (code or error). */
export async function visit(authorizationUrl: string): Promise<URL> {
	const response = await fetch(authorizationUrl, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
	expect(response.status).toBe(302);
	return new URL(response.headers.get('location')!);
}

/** Start a login and come back with the provider's redirect, not yet handled. */
export async function startLogin(flow: AuthorizationCodeFlow): Promise<URL> {
	return visit(await flow.createAuthorizationUrl({ scope: ['identity'] }));
}

/** A whole login: authorize, callback, code exchange. */
export async function login(flow: AuthorizationCodeFlow) {
	return flow.handleCallback(await startLogin(flow));
}
