import { afterEach, describe, expect, it } from 'vitest';
import { createClient, createTokenManager, oauth2, type TokenManager } from '../../src/index.js';
import { checkProof } from '../_helpers/dpop-proofs.js';
import { useEmulator } from '../_helpers/emulator.js';
import { createSqoweyFlow, visit } from '../_helpers/sqowey-flow.js';

const emulator = useEmulator({ providers: ['oauth2', 'sqowey'] });
afterEach(() => emulator().setDpop(undefined));

/** Every request tokenkeeper sent, as it left: what jose checks afterwards. */
interface Sent {
	readonly method: string;
	readonly url: string;
	readonly dpop: string | null;
	readonly authorization: string | null;
}

/** A fetch that records each request to a token endpoint or an API before sending it (discovery is not one). */
function recordingFetch(sent: Sent[]): typeof fetch {
	return (input, init) => {
		const request = new Request(input, init);
		if (!request.url.includes('/.well-known/'))
			sent.push({
				method: request.method,
				url: request.url,
				dpop: request.headers.get('dpop'),
				authorization: request.headers.get('authorization'),
			});
		return fetch(request);
	};
}

/** Check every recorded proof with jose: valid, for its own request, each jti once, `ath` on API requests. */
async function checkAllProofs(sent: readonly Sent[]): Promise<number> {
	const seen = new Set<string>();
	for (const request of sent) {
		const accessToken = request.authorization?.startsWith('DPoP ') ? request.authorization.slice(5) : undefined;
		const proof = await checkProof(request.dpop, request.method, request.url, accessToken);
		expect(seen.has(proof.jti)).toBe(false);
		seen.add(proof.jti);
	}
	return seen.size;
}

function serviceClient(sent: Sent[], tokens?: TokenManager) {
	const { issuer } = emulator().credentials.oauth2;
	const manager =
		tokens ?? createTokenManager(oauth2(emulator().credentials.oauth2), { retry: 0, dpop: true, fetch: recordingFetch(sent) });
	return {
		tokens: manager,
		api: createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: manager, retry: 0, fetch: recordingFetch(sent), throwHttpErrors: false }),
	};
}

describe('DPoP against the emulator on 127.0.0.1', () => {
	it('client credentials, 200 concurrent cold calls: 1 token request, 200 API calls accepted, every proof valid (jose)', async () => {
		emulator().setDpop({});
		const sent: Sent[] = [];
		const { tokens, api } = serviceClient(sent);
		const answers = await Promise.all(Array.from({ length: 200 }, () => api.get('userinfo')));
		expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(200));
		const counters = emulator().counters();
		console.log(
			`DPoP, 200 cold calls: ${counters.tokenRequests.total} token request(s), ${counters.apiRequests.ok} API calls accepted, ${counters.dpop.accepted} proofs accepted, ${counters.dpop.refused.total} refused`,
		);
		expect(counters.tokenRequests).toMatchObject({ total: 1, client_credentials: 1 });
		expect(counters.apiRequests).toEqual({ total: 200, ok: 200, rejected: 0 });
		expect(counters.dpop).toMatchObject({ accepted: 201, refused: { total: 0 } });
		expect((await tokens.getToken()).tokenType).toBe('DPoP');
		expect(await checkAllProofs(sent)).toBe(201);
	});

	it('a nonce required at the token endpoint and the API: extra round trips 2 on the first call, 0 on the tenth', async () => {
		emulator().setDpop({ nonce: 'required' });
		const sent: Sent[] = [];
		const { api } = serviceClient(sent);
		const extra: number[] = [];
		for (let call = 1; call <= 10; call += 1) {
			const before = sent.length;
			expect((await api.get('userinfo')).status).toBe(200);
			// What a call needs without nonces: the API request, and a token request on the first call.
			extra.push(sent.length - before - (call === 1 ? 2 : 1));
		}
		console.log(`DPoP nonces at both servers: extra round trips per call ${extra.join(', ')}`);
		expect(extra[0]).toBe(2);
		expect(extra[9]).toBe(0);
		expect(emulator().counters().dpop.refused).toMatchObject({ total: 2, nonce: 2 });
		await checkAllProofs(sent);
	});

	it('a nonce that changes on every answer: every call ends, within its budgets (no loop)', async () => {
		emulator().setDpop({ nonce: 'rotate' });
		const sent: Sent[] = [];
		const { api } = serviceClient(sent);
		for (let call = 0; call < 5; call += 1) expect((await api.get('userinfo')).status).toBe(200);
		// Each answer's nonce is the one the next proof carries: after the first call, none is refused.
		expect(emulator().counters().dpop.refused).toMatchObject({ total: 2, nonce: 2 });
		// The first call: a token request refused for its nonce, then granted; an API request refused, then accepted.
		expect(sent).toHaveLength(2 + 2 + 4);
		// 20 concurrent calls race for one nonce: some are refused, none loops (at most 4 sends each, one new token).
		const before = sent.length;
		const answers = await Promise.all(Array.from({ length: 20 }, () => api.get('userinfo')));
		expect(sent.length - before).toBeLessThanOrEqual(20 * 4 + 2);
		expect(answers.every((answer) => answer.status === 200 || answer.status === 401)).toBe(true);
		await checkAllProofs(sent);
	});

	it('a replayed proof and a proof for another URL are refused by the emulator; tokenkeeper never sends one', async () => {
		emulator().setDpop({});
		const sent: Sent[] = [];
		const { api, tokens } = serviceClient(sent);
		expect((await api.get('userinfo')).status).toBe(200);
		const { accessToken } = await tokens.getToken();
		const { issuer } = emulator().credentials.oauth2;
		const userinfo = `${issuer}/oauth2/v1/userinfo`;
		const apiProof = sent.at(-1)!.dpop!;
		const replayed = await fetch(userinfo, { headers: { authorization: `DPoP ${accessToken}`, dpop: apiProof } });
		expect(replayed.status).toBe(401);
		expect(replayed.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/);
		const elsewhere = await fetch(`${issuer}/oauth2/v1/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: apiProof },
			body: new URLSearchParams({ grant_type: 'client_credentials', ...credentialsForm() }),
		});
		expect(elsewhere.status).toBe(400);
		expect(await elsewhere.json()).toMatchObject({ error: 'invalid_dpop_proof' });
		// The API proof at the token endpoint: its method is the first claim that does not match.
		expect(emulator().counters().dpop.refused).toMatchObject({ total: 2, replay: 1, htm: 1 });
		// tokenkeeper: 50 calls more, and not one of its proofs refused.
		await Promise.all(Array.from({ length: 50 }, () => api.get('userinfo')));
		expect(emulator().counters().dpop.refused.total).toBe(2);
		await checkAllProofs(sent);
	});

	it('downgrade: with DPoP off at the server, the Bearer token is used as Bearer, with a dpop-downgrade event', async () => {
		const sent: Sent[] = [];
		const { tokens, api } = serviceClient(sent);
		const events: unknown[] = [];
		tokens.on('dpop-downgrade', (event) => events.push(event));
		expect((await api.get('userinfo')).status).toBe(200);
		expect(events).toEqual([{ tokenType: 'Bearer' }]);
		expect(sent.at(-1)!.authorization).toMatch(/^Bearer /);
	});

	it("clock skew: a server 1 h behind refuses the first proof's iat; one retry with its Date, then every call accepted", async () => {
		emulator().setDpop({ clockOffset: -3600 });
		const sent: Sent[] = [];
		const { api } = serviceClient(sent);
		for (let call = 0; call < 3; call += 1) expect((await api.get('userinfo')).status).toBe(200);
		expect(emulator().counters().dpop.refused).toMatchObject({ total: 1, iat: 1 });
		expect(sent).toHaveLength(2 + 3);
	});

	it('refresh rotation with DPoP (Sqowey): 50 calls after the token dies -> 1 refresh, 0 reuse, the same key throughout', async () => {
		emulator().setDpop({ nonce: 'required' });
		const sent: Sent[] = [];
		const flow = createSqoweyFlow(emulator(), { dpop: true, fetch: recordingFetch(sent) });
		const authorizationUrl = new URL(await flow.createAuthorizationUrl({ scope: ['identity'] }));
		const jkt = authorizationUrl.searchParams.get('dpop_jkt');
		expect(jkt).toMatch(/^[\w-]{43}$/);
		await flow.handleCallback(await visit(authorizationUrl.href));
		const api = createClient({ prefixUrl: `${emulator().url}/api/`, auth: flow.tokens, retry: 0, fetch: recordingFetch(sent) });
		expect(await api.get('users/@me').json()).toMatchObject({ username: expect.any(String) });
		emulator().expireAllTokens();
		const answers = await Promise.all(Array.from({ length: 50 }, () => api.get('users/@me').json()));
		expect(answers).toHaveLength(50);
		const counters = emulator().counters();
		// The exchange's first proof had no nonce (refused once), then one refresh for the 50 calls.
		expect(counters.tokenRequests).toMatchObject({ authorization_code: 2, refresh_token: 1 });
		expect(counters.dpop.refused).toMatchObject({ total: 2, nonce: 2 });
		expect(counters.refreshTokenReuse).toBe(0);
		const keys = new Set<string>();
		for (const request of sent)
			keys.add(
				(
					await checkProof(
						request.dpop,
						request.method,
						request.url,
						request.authorization?.startsWith('DPoP ') ? request.authorization.slice(5) : undefined,
					)
				).jkt,
			);
		expect([...keys]).toEqual([jkt]);
	});
});

function credentialsForm(): Record<string, string> {
	const { clientId, clientSecret } = emulator().credentials.oauth2;
	return { client_id: clientId, client_secret: clientSecret! };
}
