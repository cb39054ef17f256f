import { describe, expect, it } from 'vitest';
import {
	AuthorizationResponseError,
	createAuthorizationCodeFlow,
	ErrorCode,
	oauth2,
	type SessionSnapshot,
	type TokenSet,
	type TokenStore,
} from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createMemoryStore } from '../../src/stores/memory.js';
import { useEmulator } from '../_helpers/emulator.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';

// flow.subscribe / flow.getSnapshot against the emulator's OpenID Provider: what a UI (useSyncExternalStore, a Vue
// shallowRef, a signal) sees of the session, and when.
const emulator = useEmulator();
const SCOPE = ['openid', 'offline_access'];

/** A flow over a store that counts its reads, and every snapshot its one subscriber was told of. */
function followedFlow(fetchFunction?: typeof fetch) {
	const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
	const memory = createMemoryStore();
	let reads = 0;
	const store: TokenStore = {
		get: (key) => {
			reads += 1;
			return memory.get(key);
		},
		set: (key, tokenSet, options) => memory.set(key, tokenSet, options),
		delete: (key) => memory.delete(key),
	};
	const flow = createAuthorizationCodeFlow(
		oauth2({ issuer, clientId: publicClientId, redirectUri: REDIRECT_URI, grant: 'authorization_code' }),
		{
			attemptStorage: createMemoryStorage(),
			store,
			retry: 0,
			fetch: fetchFunction,
		},
	);
	const seen: SessionSnapshot[] = [];
	const follow = () => flow.subscribe(() => seen.push(flow.getSnapshot()));
	return { flow, seen, follow, reads: () => reads };
}

/** Resolves once `flow`'s snapshot satisfies `predicate` (bounded: 5 s). */
async function until(
	flow: { getSnapshot(): SessionSnapshot },
	predicate: (snapshot: SessionSnapshot) => boolean,
): Promise<SessionSnapshot> {
	const deadline = Date.now() + 5_000;
	while (!predicate(flow.getSnapshot())) {
		if (Date.now() > deadline) throw new Error(`The snapshot stayed ${JSON.stringify(flow.getSnapshot())}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	return flow.getSnapshot();
}

async function logIn(flow: ReturnType<typeof followedFlow>['flow']): Promise<TokenSet> {
	return flow.handleCallback(await visit(await flow.createAuthorizationUrl({ scope: SCOPE })));
}

describe('the session state a UI follows (flow.subscribe, flow.getSnapshot)', () => {
	it('is `loading`, one frozen object, and reads nothing until the first subscription', async () => {
		const { flow, reads } = followedFlow();
		const first = flow.getSnapshot();
		expect(first).toEqual({ status: 'loading' });
		expect(Object.isFrozen(first)).toBe(true);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(flow.getSnapshot()).toBe(first);
		expect(reads()).toBe(0);
	});

	it('the first subscription reads the session: signed out, told once, the same object at each read after', async () => {
		const { flow, seen, follow } = followedFlow();
		follow();
		const signedOut = await until(flow, (snapshot) => snapshot.status === 'signed-out');
		expect(signedOut).toEqual({ status: 'signed-out', user: undefined, error: undefined });
		expect(flow.getSnapshot()).toBe(signedOut);
		expect(seen.at(-1)).toBe(signedOut);
		expect(seen.filter((snapshot) => snapshot.status === 'signed-out')).toHaveLength(1);
	});

	it('a login: `loading` while the callback runs, then `signed-in` with the ID token’s claims as `user`', async () => {
		const { flow, seen, follow } = followedFlow();
		follow();
		await until(flow, (snapshot) => snapshot.status === 'signed-out');
		const callbackUrl = await visit(await flow.createAuthorizationUrl({ scope: SCOPE }));
		const exchange = flow.handleCallback(callbackUrl);
		await until(flow, (snapshot) => snapshot.status === 'loading');
		await exchange;
		const signedIn = await until(flow, (snapshot) => snapshot.status === 'signed-in');
		expect(signedIn.user).toMatchObject({ sub: 'oauth2-user-1', iss: emulator().url });
		expect(Object.isFrozen(signedIn.user)).toBe(true);
		expect(seen.map((snapshot) => snapshot.status)).toEqual(['signed-out', 'loading', 'signed-in']);
		expect(emulator().counters().tokenRequests).toMatchObject({ authorization_code: 1 });
	});

	it('a refresh without a new ID token keeps the claims: the same snapshot, and nobody told', async () => {
		// OpenID Connect Core 12.2: a refresh response may leave out the ID token; the session keeps the one it has.
		const withoutIdToken: typeof fetch = async (input, init) => {
			const response = await fetch(input, init);
			if (!String(init?.body ?? '').includes('grant_type=refresh_token')) return response;
			const { id_token: _dropped, ...body } = (await response.json()) as Record<string, unknown>;
			return Response.json(body, { status: response.status, headers: { 'cache-control': 'no-store' } });
		};
		const { flow, seen, follow } = followedFlow(withoutIdToken);
		follow();
		await logIn(flow);
		const signedIn = await until(flow, (snapshot) => snapshot.status === 'signed-in');
		const told = seen.length;
		const before = await flow.tokens.getToken();
		const after = await flow.tokens.getToken({ forceRefresh: true });
		expect(after.accessToken).not.toBe(before.accessToken);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(flow.getSnapshot()).toBe(signedIn);
		expect(seen).toHaveLength(told);
		expect(emulator().counters().tokenRequests).toMatchObject({ authorization_code: 1, refresh_token: 1 });
	});

	it('a refresh with a new ID token (new `iat`, `exp`, `at_hash`): a new user object, told once', async () => {
		const { flow, seen, follow } = followedFlow();
		follow();
		await logIn(flow);
		const { user } = await until(flow, (snapshot) => snapshot.status === 'signed-in');
		const told = seen.length;
		await flow.tokens.getToken({ forceRefresh: true });
		const refreshed = await until(flow, (snapshot) => snapshot.user !== user);
		expect(refreshed).toMatchObject({ status: 'signed-in', user: { sub: 'oauth2-user-1' } });
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(seen).toHaveLength(told + 1);
	});

	it('a logout: `signed-out`, told once', async () => {
		const { flow, seen, follow } = followedFlow();
		follow();
		await logIn(flow);
		await until(flow, (snapshot) => snapshot.status === 'signed-in');
		const told = seen.length;
		await flow.logout({ endSession: false });
		expect(flow.getSnapshot()).toMatchObject({ status: 'signed-out', user: undefined });
		expect(seen.slice(told).map((snapshot) => snapshot.status)).toEqual(['signed-out']);
	});

	it('a refresh the provider refuses (login required): `signed-out`', async () => {
		const { flow, follow } = followedFlow();
		follow();
		await logIn(flow);
		await until(flow, (snapshot) => snapshot.status === 'signed-in');
		emulator().revokeAllTokens();
		await expect(flow.tokens.getToken({ forceRefresh: true })).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		expect(flow.getSnapshot().status).toBe('signed-out');
	});

	it('a failed login (access_denied): `error` with the AuthorizationResponseError; it stays until a login succeeds', async () => {
		const { flow, follow } = followedFlow();
		const stop = follow();
		await until(flow, (snapshot) => snapshot.status === 'signed-out');
		emulator().setConsent('deny');
		const callbackUrl = await visit(await flow.createAuthorizationUrl({ scope: SCOPE }));
		const failure = await flow.handleCallback(callbackUrl).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(AuthorizationResponseError);
		const failed = flow.getSnapshot();
		expect(failed).toMatchObject({ status: 'error', error: failure });
		expect((failed.error as AuthorizationResponseError).error).toBe('access_denied');
		// Subscribing again (StrictMode's second effect, another component) does not read the error away.
		stop();
		follow();
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(flow.getSnapshot()).toBe(failed);
		emulator().setConsent('allow');
		await logIn(flow);
		expect(await until(flow, (snapshot) => snapshot.status === 'signed-in')).toMatchObject({ error: undefined });
		expect(emulator().counters().tokenRequests).toMatchObject({ authorization_code: 1 });
	});

	it('unsubscribed, a listener is told nothing; subscribe, unsubscribe, subscribe (StrictMode) leaves one listener', async () => {
		const { flow } = followedFlow();
		let first = 0;
		let second = 0;
		const stopFirst = flow.subscribe(() => {
			first += 1;
		});
		stopFirst();
		flow.subscribe(() => {
			second += 1;
		});
		await until(flow, (snapshot) => snapshot.status === 'signed-out');
		await logIn(flow);
		await until(flow, (snapshot) => snapshot.status === 'signed-in');
		expect(first).toBe(0);
		expect(second).toBeGreaterThanOrEqual(2);
	});

	it('a callback that fails before anyone subscribed: the caller’s rejection only (none unhandled), and `error` for the first subscriber', async () => {
		const { flow, seen, follow } = followedFlow();
		const unhandled: unknown[] = [];
		const record = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', record);
		try {
			const failure = await flow.handleCallback(`${REDIRECT_URI}?code=c&state=forged`).catch((error: unknown) => error);
			expect(failure).toMatchObject({ error: 'state_mismatch' });
			await new Promise((resolve) => setTimeout(resolve, 50));
			expect(unhandled).toEqual([]);
			follow();
			await new Promise((resolve) => setTimeout(resolve, 20));
			expect(flow.getSnapshot()).toMatchObject({ status: 'error', error: failure });
			// Nothing changed after the subscription: its listener is told nothing.
			expect(seen).toEqual([]);
		} finally {
			process.off('unhandledRejection', record);
		}
	});
});
