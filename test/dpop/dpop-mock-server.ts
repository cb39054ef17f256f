import { http, HttpResponse } from 'msw';
import { API_URL, TOKEN_URL } from '../_helpers/token-server.js';
import { type CheckedProof, checkProof } from '../_helpers/dpop-proofs.js';

/**
 * A token endpoint and an API speaking DPoP, for msw, that check every proof with jose (never with tokenkeeper's
 * code) and can ask for nonces, rotate them, refuse a skewed clock, or issue Bearer.
 */
export function createDpopMockServer() {
	const state = {
		/** The nonce each side requires; `undefined`: none. */
		tokenNonce: undefined as string | undefined,
		apiNonce: undefined as string | undefined,
		/** Every answer carries a new nonce (and only it is accepted then). */
		rotate: false,
		/** What `token_type` the endpoint issues. */
		tokenType: 'DPoP',
		/** The server's clock minus the real one, in s; proofs must be within 60 s of it. */
		serverOffset: 0,
		/** The `Date` header tells the real time, not the server's: a broken server. */
		dateLies: false,
		/** The API refuses every nonce, naming a new one each time: a broken server. */
		refuseEveryNonce: false,
		/** The API names one nonce and refuses it: a broken server. */
		refuseItsOwnNonce: false,
		/** The API's answers lack `DPoP-Nonce`, as a browser sees them when the API does not expose it. */
		hideApiNonce: false,
		/** A request without a proof is answered as well (as a DPoP-only server answers a client that cannot tell). */
		issueWithoutProof: false,
		/** Access tokens the API accepts, with the key thumbprint each is bound to. */
		bound: new Map<string, string>(),
		issued: 0,
		rotations: 0,
		tokenSends: [] as Array<{ proof?: CheckedProof; refused?: string; params: Record<string, string> }>,
		apiSends: [] as Array<{ proof?: CheckedProof; authorization: string | null; refused?: string; url: string }>,
		seenJti: new Set<string>(),
	};

	function nextNonce(): string {
		state.rotations += 1;
		return `nonce-${state.rotations}`;
	}
	function serverNow(): number {
		return Math.floor(Date.now() / 1000) + state.serverOffset;
	}
	function dateHeader(): string {
		return state.dateLies ? new Date().toUTCString() : new Date(serverNow() * 1000).toUTCString();
	}

	/** Common checks: signature, claims, replay, clock; then the nonce. `undefined` when acceptable. */
	function refusalOf(proof: CheckedProof, required: string | undefined): string | undefined {
		if (state.seenJti.has(proof.jti)) return 'replay';
		state.seenJti.add(proof.jti);
		if (Math.abs(proof.iat - serverNow()) > 60) return 'iat';
		if (required !== undefined && proof.nonce !== required) return 'nonce';
		return undefined;
	}

	const tokenHandler = http.post(TOKEN_URL, async ({ request }) => {
		const params = Object.fromEntries(new URLSearchParams(await request.text()));
		let proof: CheckedProof;
		if (state.issueWithoutProof && !request.headers.has('dpop')) {
			state.tokenSends.push({ params });
			return HttpResponse.json({ access_token: 'unbound', token_type: 'DPoP', expires_in: 3600 });
		}
		try {
			proof = await checkProof(request.headers.get('dpop'), 'POST', request.url);
		} catch (error) {
			state.tokenSends.push({ refused: `proof: ${(error as Error).message}`, params });
			return HttpResponse.json({ error: 'invalid_dpop_proof' }, { status: 400 });
		}
		const refused = refusalOf(proof, state.tokenNonce);
		state.tokenSends.push({ proof, refused, params });
		const headers: Record<string, string> = { date: dateHeader() };
		if (state.rotate) state.tokenNonce = nextNonce();
		if (state.tokenNonce !== undefined) headers['dpop-nonce'] = state.tokenNonce;
		if (refused === 'nonce')
			return HttpResponse.json(
				{ error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' },
				{ status: 400, headers },
			);
		if (refused === 'iat')
			return HttpResponse.json(
				{ error: 'invalid_dpop_proof', error_description: 'DPoP proof iat is not recent enough' },
				{ status: 400, headers },
			);
		if (refused) return HttpResponse.json({ error: 'invalid_dpop_proof', error_description: refused }, { status: 400, headers });
		state.issued += 1;
		const accessToken = `at-${state.issued}`;
		state.bound.set(accessToken, proof.jkt);
		return HttpResponse.json(
			{ access_token: accessToken, token_type: state.tokenType, expires_in: 3600, refresh_token: `rt-${state.issued}` },
			{ headers },
		);
	});

	const apiHandler = http.all(`${API_URL}/*`, async ({ request }) => {
		const authorization = request.headers.get('authorization');
		const entry: (typeof state.apiSends)[number] = { authorization, url: request.url };
		state.apiSends.push(entry);
		const headers: Record<string, string> = { date: dateHeader() };
		const challenge = (error: string, description: string) =>
			new HttpResponse(null, {
				status: 401,
				headers: { ...headers, 'www-authenticate': `DPoP algs="ES256", error="${error}", error_description="${description}"` },
			});
		if (authorization?.startsWith('Bearer ')) {
			return state.bound.has(authorization.slice(7)) && state.tokenType !== 'DPoP'
				? HttpResponse.json({ ok: 'bearer' })
				: challenge('invalid_token', 'bearer');
		}
		const accessToken = authorization?.replace(/^DPoP /, '') ?? '';
		try {
			entry.proof = await checkProof(request.headers.get('dpop'), request.method, request.url, accessToken);
		} catch (error) {
			entry.refused = `proof: ${(error as Error).message}`;
			return challenge('invalid_dpop_proof', entry.refused);
		}
		entry.refused = refusalOf(entry.proof, state.refuseEveryNonce || state.refuseItsOwnNonce ? 'none-will-do' : state.apiNonce);
		if (state.rotate || state.refuseEveryNonce) state.apiNonce = nextNonce();
		if (state.apiNonce !== undefined && !state.hideApiNonce) headers['dpop-nonce'] = state.apiNonce;
		if (entry.refused === 'nonce') return challenge('use_dpop_nonce', 'Resource server requires nonce in DPoP proof');
		if (entry.refused === 'iat') return challenge('invalid_dpop_proof', 'iat outside the window');
		if (entry.refused) return challenge('invalid_dpop_proof', entry.refused);
		if (state.bound.get(accessToken) !== entry.proof.jkt) {
			entry.refused = 'binding';
			return challenge('invalid_token', 'not bound to this key');
		}
		return HttpResponse.json({ ok: true }, { headers });
	});

	return {
		state,
		handlers: [tokenHandler, apiHandler],
		reset() {
			Object.assign(state, {
				tokenNonce: undefined,
				apiNonce: undefined,
				rotate: false,
				tokenType: 'DPoP',
				serverOffset: 0,
				dateLies: false,
				refuseEveryNonce: false,
				hideApiNonce: false,
				refuseItsOwnNonce: false,
				issueWithoutProof: false,
				issued: 0,
				rotations: 0,
			});
			state.bound.clear();
			state.seenJti.clear();
			state.tokenSends.length = 0;
			state.apiSends.length = 0;
		},
		/** Token requests and API requests that were refused, by reason. */
		refusals(): string[] {
			return [...state.tokenSends, ...state.apiSends]
				.map((send) => send.refused)
				.filter((reason): reason is string => reason !== undefined);
		},
	};
}
