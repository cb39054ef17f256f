import { afterEach, describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, ErrorCode, oauth2 } from '../../src/index.js';
import { relayPopupCallback } from '../../src/flow/popup-callback.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { useEmulator } from '../_helpers/emulator.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';

// flow.loginWithPopup end to end in Node, against the emulator's OpenID Provider: `window.open` is a stand-in whose
// popup, once sent to the authorization URL, goes through the login (as a person would) and runs the callback page's
// one call, handlePopupCallback, which answers over Node's BroadcastChannel (the opener link cut, as under COOP).
const emulator = useEmulator();
const realOpen = (globalThis as { open?: unknown }).open;
afterEach(() => {
	(globalThis as { open?: unknown }).open = realOpen;
});

function flowOf() {
	const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
	return createAuthorizationCodeFlow(oauth2({ issuer, clientId: publicClientId, redirectUri: REDIRECT_URI, grant: 'authorization_code' }), {
		attemptStorage: createMemoryStorage(),
		store: createMemoryStore(),
		retry: 0,
	});
}

/** A `window.open` whose popup logs in at the provider and hands the callback URL back, or is closed by the person. */
function stubOpen(person: 'logs in' | 'closes the popup') {
	const opened: string[] = [];
	(globalThis as { open?: unknown }).open = (url: string, _target: string, features: string) => {
		opened.push(`${url} ${features}`);
		const popup = {
			closed: false,
			close() {
				popup.closed = true;
			},
			location: {
				set href(authorizationUrl: string) {
					if (person === 'closes the popup') {
						popup.closed = true;
						return;
					}
					void visit(authorizationUrl).then((callbackUrl) => {
						const callbackPage = { location: { href: callbackUrl.href, origin: callbackUrl.origin }, opener: null, BroadcastChannel };
						expect(relayPopupCallback(undefined, callbackPage)).toBe(true);
					});
				},
			},
		};
		return popup;
	};
	return opened;
}

describe('flow.loginWithPopup', () => {
	it('opens the popup at once (about:blank, centred), logs in there, and exchanges the code here: the user is signed in', async () => {
		const opened = stubOpen('logs in');
		const flow = flowOf();
		const login = flow.loginWithPopup({ scope: ['openid', 'offline_access'] });
		// Synchronously, before anything was awaited: what a browser requires of a popup.
		expect(opened).toEqual([expect.stringMatching(/^about:blank popup,width=500,height=650,left=\d+,top=\d+$/)]);
		const tokenSet = await login;
		expect(tokenSet.idToken).toBeTypeOf('string');
		expect((await flow.getUser())?.sub).toBeTypeOf('string');
		expect(emulator().counters().tokenRequests.authorization_code).toBe(1);
	});

	it('a blocked popup: PopupError "blocked", no login attempt made', async () => {
		(globalThis as { open?: unknown }).open = () => null;
		await expect(flowOf().loginWithPopup()).rejects.toMatchObject({ code: ErrorCode.Popup, reason: 'blocked' });
		expect(emulator().counters().tokenRequests.total).toBe(0);
	});

	it('the person closes the popup: PopupError "closed" within the poll and its grace, no token request', async () => {
		stubOpen('closes the popup');
		const started = Date.now();
		await expect(flowOf().loginWithPopup()).rejects.toMatchObject({ code: ErrorCode.Popup, reason: 'closed' });
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(emulator().counters().tokenRequests.total).toBe(0);
	});
});
