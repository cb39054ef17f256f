import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { useEmulator } from '../_helpers/emulator.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';

type Tokenkeeper = typeof import('../../src/index.js');

const dist = (file: string) => fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));

// The builds whose chunks loaded on demand (login, popup, OpenID Connect) are files with their own copies of the error
// classes: the browser build (each chunk self-contained) and CJS. Node's ESM build shares one copy, and is the control.
const builds: ReadonlyArray<[string, () => Promise<Tokenkeeper>]> = [
	['ESM (dist/index.js)', () => import(dist('index.js'))],
	['CJS (dist/index.cjs)', async () => createRequire(import.meta.url)(dist('index.cjs'))],
	['browser (dist/index.browser.js)', () => import(dist('index.browser.js'))],
];

const emulator = useEmulator();

describe.each(builds)('errors thrown in chunks are instances of the classes the app imports: %s', (_name, load) => {
	async function flowOf() {
		const tokenkeeper = await load();
		const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
		const provider = tokenkeeper.oauth2({ issuer, clientId: publicClientId, redirectUri: REDIRECT_URI, grant: 'authorization_code' });
		const flow = tokenkeeper.createAuthorizationCodeFlow(provider, { attemptStorage: createMemoryStorage(), storage: 'memory', retry: 0 });
		return { tokenkeeper, flow };
	}

	it('IdTokenError from the OpenID chunk (a wrong aud at the callback): instanceof IdTokenError and TokenkeeperError', async () => {
		const { tokenkeeper, flow } = await flowOf();
		emulator().injectIdTokenFault('wrong-aud');
		const error = await flow
			.handleCallback(await visit(await flow.createAuthorizationUrl({ scope: ['openid'] })))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(tokenkeeper.IdTokenError);
		expect(error).toBeInstanceOf(tokenkeeper.TokenkeeperError);
		expect(error).toMatchObject({ code: 'ERR_ID_TOKEN', check: 'aud' });
		expect(JSON.parse(JSON.stringify(error))).toEqual({
			name: 'IdTokenError',
			code: 'ERR_ID_TOKEN',
			check: 'aud',
			message: expect.any(String),
		});
	});

	it('LoginRequiredError from the OpenID chunk (fetchUserInfo signed out)', async () => {
		const { tokenkeeper, flow } = await flowOf();
		const error = await flow.fetchUserInfo().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(tokenkeeper.LoginRequiredError);
	});

	it('InvalidOptionError from the login chunk (a scope token with a space)', async () => {
		const { tokenkeeper, flow } = await flowOf();
		const error = await flow.createAuthorizationUrl({ scope: ['open id'] }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(tokenkeeper.InvalidOptionError);
		expect(error).toBeInstanceOf(TypeError);
	});

	it('PopupError from the popup chunk (no window to open: blocked)', async () => {
		const { tokenkeeper, flow } = await flowOf();
		const error = await flow.loginWithPopup().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(tokenkeeper.PopupError);
		expect(error).toMatchObject({ code: 'ERR_POPUP', reason: 'blocked' });
	});
});
