import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authFetch, createClient, createTokenManager, ErrorCode, oauth2, type TokenManager } from '../../src/index.js';
import { type CheckedProof, checkProof } from '../_helpers/dpop-proofs.js';
import { errorName, rejection, resolution, settle } from '../_helpers/outcome.js';

/**
 * DPoP across redirects (issue 22, finding 1), against two real origins on 127.0.0.1: A, the API and its token
 * endpoint, and B, another origin A redirects to. A proof is made for one URL and one origin: B must never get one,
 * nor the token, and nothing B answers (its nonce, its clock, its 401) may be read as A's.
 */

interface Seen {
	readonly method: string;
	readonly path: string;
	readonly authorization: string | undefined;
	readonly dpop: string | undefined;
	readonly contentType: string | undefined;
	readonly cookie: string | undefined;
	readonly trace: string | undefined;
	readonly body: string;
	proof?: CheckedProof;
	refused?: string;
}

/** What B answers every request with: a DPoP challenge, its own nonce, and a clock 10 years ahead. */
const B_DATE = 'Tue, 01 Jan 2036 00:00:00 GMT';
let bChallenge = 'error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"';
/** The nonce A requires at /api/here (none when undefined), and gives on its redirects and refusals. */
let aNonce: string | undefined;

const seenByA: Seen[] = [];
const seenByB: Seen[] = [];
const tokenProofs: CheckedProof[] = [];
let a: Server;
let b: Server;
let aUrl = '';
let bUrl = '';

async function read(request: IncomingMessage, into: Seen[]): Promise<Seen> {
	let body = '';
	for await (const chunk of request) body += chunk;
	const seen: Seen = {
		method: request.method!,
		path: request.url!,
		authorization: request.headers.authorization,
		dpop: request.headers.dpop as string | undefined,
		contentType: request.headers['content-type'],
		cookie: request.headers.cookie,
		trace: request.headers['x-trace'] as string | undefined,
		body,
	};
	into.push(seen);
	return seen;
}

function redirect(response: ServerResponse, status: number, location: string, headers: Record<string, string> = {}): void {
	response.writeHead(status, { location, connection: 'close', ...headers }).end();
}

/** A: the token endpoint, and an API whose routes redirect (same origin and to B) or check the proof. */
async function answerA(request: IncomingMessage, response: ServerResponse): Promise<void> {
	const path = request.url!;
	if (path.startsWith('/token')) {
		let body = '';
		for await (const chunk of request) body += chunk;
		if (path === '/token-away') return redirect(response, 307, `${bUrl}/token`);
		const proof = await checkProof(request.headers.dpop as string, 'POST', `${aUrl}${path}`);
		tokenProofs.push(proof);
		const n = tokenProofs.length;
		response.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
		response.end(JSON.stringify({ access_token: `at-${n}`, token_type: 'DPoP', expires_in: 3600, refresh_token: `rt-${n}`, body }));
		return;
	}
	const seen = await read(request, seenByA);
	const nonceHeader: Record<string, string> = aNonce === undefined ? {} : { 'dpop-nonce': aNonce };
	try {
		seen.proof = await checkProof(seen.dpop ?? null, seen.method, `${aUrl}${path}`, seen.authorization?.replace(/^DPoP /, ''));
	} catch (error) {
		seen.refused = (error as Error).message;
	}
	const route = path.replace(/\?.*/, '');
	if (route === '/api/away') return redirect(response, 302, `${bUrl}/landing`);
	if (route === '/api/away-307') return redirect(response, 307, `${bUrl}/landing`);
	if (route === '/api/moved') return redirect(response, 307, '/api/here?from=moved', nonceHeader);
	if (route === '/api/see-other') return redirect(response, 303, `${aUrl}/api/here`);
	if (route === '/api/loop') return redirect(response, 302, '/api/loop');
	if (!seen.proof) {
		response.writeHead(401, { 'www-authenticate': 'DPoP error="invalid_dpop_proof", error_description="proof"', connection: 'close' });
		response.end();
		return;
	}
	if (aNonce !== undefined && seen.proof.nonce !== aNonce) {
		seen.refused = 'nonce';
		response.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', connection: 'close', ...nonceHeader }).end();
		return;
	}
	response.writeHead(200, { 'content-type': 'application/json', connection: 'close', ...nonceHeader });
	response.end(JSON.stringify({ ok: true, method: seen.method, body: seen.body }));
}

/** B: whatever comes, a DPoP 401 with B's nonce and B's clock. */
async function answerB(request: IncomingMessage, response: ServerResponse): Promise<void> {
	await read(request, seenByB);
	response.writeHead(401, {
		'www-authenticate': `DPoP ${bChallenge}`,
		'dpop-nonce': 'b-nonce',
		date: B_DATE,
		'content-type': 'application/json',
		connection: 'close',
	});
	response.end('{"from":"B"}');
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<[Server, string]> {
	const server = createServer((request, response) => {
		handler(request, response).catch((error: unknown) => {
			response.writeHead(500).end(String(error));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

beforeAll(async () => {
	[a, aUrl] = await listen(answerA);
	[b, bUrl] = await listen(answerB);
});
afterAll(async () => {
	await Promise.all([a, b].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});
beforeEach(() => {
	seenByA.length = 0;
	seenByB.length = 0;
	tokenProofs.length = 0;
	aNonce = undefined;
	bChallenge = 'error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"';
});

function manager(tokenPath = '/token'): TokenManager {
	const provider = oauth2({ tokenEndpoint: `${aUrl}${tokenPath}`, clientId: 'app', clientSecret: 'secret', clientAuth: 'body' });
	return createTokenManager(provider, { dpop: true, retry: 0, timeout: 2_000 });
}

/** The same request through createClient (ky, a Request) and through authFetch (a URL and init). */
const clients = {
	createClient: (auth: TokenManager) => {
		const api = createClient({ prefixUrl: `${aUrl}/api/`, auth, retry: 0, throwHttpErrors: false });
		return (path: string, init: RequestInit = {}) => api(path, init as never);
	},
	authFetch: (auth: TokenManager) => {
		const fetchWithToken = authFetch({ auth, allowedOrigins: [aUrl] });
		return (path: string, init: RequestInit = {}) => fetchWithToken(`${aUrl}/api/${path}`, init);
	},
};
const nowInSeconds = () => Math.floor(Date.now() / 1000);

describe.each(Object.entries(clients))('DPoP redirects (%s)', (_name, clientFor) => {
	it('a redirect to another origin is followed without proof and without token; its 401 is returned as is, costing no token', async () => {
		const tokens = manager();
		const send = clientFor(tokens);
		const outcome = await settle(send('away'), 5_000);
		expect(seenByB.map((seen) => [seen.path, seen.authorization, seen.dpop])).toEqual([['/landing', undefined, undefined]]);
		const response = resolution(outcome);
		expect(response.status).toBe(401);
		expect(await response.json()).toEqual({ from: 'B' });
		expect(response.url).toBe(`${bUrl}/landing`);
		expect(response.redirected).toBe(true);
		// A saw the request once, with its own proof; B's 401 says nothing about A's token.
		expect(seenByA.map((seen) => seen.path)).toEqual(['/api/away']);
		expect(seenByA[0]!.proof).toMatchObject({ htm: 'GET', htu: `${aUrl}/api/away` });
		expect(tokenProofs).toHaveLength(1);
	});

	it('307 to another origin: B gets the method and the body, as fetch sends them, but no credential (no token, proof or cookie)', async () => {
		const send = clientFor(manager());
		const response = await send('away-307', { method: 'PUT', body: 'payload', headers: { cookie: 'session=for-A', 'x-trace': '1' } });
		expect(response.status).toBe(401);
		expect(seenByB.map((seen) => [seen.method, seen.body, seen.authorization, seen.dpop])).toEqual([
			['PUT', 'payload', undefined, undefined],
		]);
		expect(seenByB[0]!.cookie).toBeUndefined();
		expect(seenByB[0]!.trace).toBe('1');
		expect(seenByA[0]!.cookie).toBe('session=for-A');
	});

	it("B's DPoP-Nonce is not remembered for A: the next proof to A carries no nonce", async () => {
		const send = clientFor(manager());
		await settle(send('away'), 5_000);
		expect((await send('here')).status).toBe(200);
		const here = seenByA.find((seen) => seen.path === '/api/here')!;
		expect(here.refused).toBeUndefined();
		expect(here.proof!.nonce).toBeUndefined();
	});

	it("B's Date does not move the clock: later proofs to A and to the token endpoint are dated now, not 2036", async () => {
		bChallenge = 'error="invalid_dpop_proof", error_description="DPoP proof iat is not recent enough"';
		const tokens = manager();
		const send = clientFor(tokens);
		const outcome = await settle(send('away'), 5_000);
		expect((await send('here')).status).toBe(200);
		await tokens.getToken({ forceRefresh: true });
		// The proofs sent after B's answer: to A's API, and to A's token endpoint (the refresh).
		const later = [seenByA.at(-1)!.proof!, tokenProofs.at(-1)!].map((proof) => new Date(proof.iat * 1000).getUTCFullYear());
		expect(later).toEqual([new Date().getUTCFullYear(), new Date().getUTCFullYear()]);
		const iats = [...seenByA.map((seen) => seen.proof!.iat), ...tokenProofs.map((proof) => proof.iat)];
		for (const iat of iats) expect(Math.abs(iat - nowInSeconds())).toBeLessThan(60);
		// B's refusal of a proof it never got is B's answer, returned as is: no retry, no ERR_DPOP about A.
		expect(resolution(outcome).status).toBe(401);
		expect(seenByB).toHaveLength(1);
		expect(iats).toHaveLength(4);
	});

	it('a redirect within the origin (307) gets a new proof per hop: htu of the new URL, same method and body, new jti', async () => {
		const send = clientFor(manager());
		const response = await send('moved', { method: 'POST', body: '{"item":1}', headers: { 'content-type': 'application/json' } });
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ ok: true, method: 'POST', body: '{"item":1}' });
		expect(response.url).toBe(`${aUrl}/api/here?from=moved`);
		expect(response.redirected).toBe(true);
		const [moved, here] = seenByA;
		expect(seenByA).toHaveLength(2);
		expect(moved!.proof).toMatchObject({ htm: 'POST', htu: `${aUrl}/api/moved` });
		expect(here!.refused).toBeUndefined();
		expect(here!.proof).toMatchObject({ htm: 'POST', htu: `${aUrl}/api/here` });
		expect(here!.proof!.jti).not.toBe(moved!.proof!.jti);
		expect(here!.authorization).toBe('DPoP at-1');
		expect(here!.body).toBe('{"item":1}');
		expect(seenByB).toHaveLength(0);
	});

	it('303 within the origin: the next hop is a GET without body or Content-Type, with a proof for GET', async () => {
		const send = clientFor(manager());
		const response = await send('see-other', { method: 'POST', body: 'a=1', headers: { 'content-type': 'text/plain' } });
		expect(response.status).toBe(200);
		const here = seenByA[1]!;
		expect([here.method, here.body, here.contentType]).toEqual(['GET', '', undefined]);
		expect(here.proof).toMatchObject({ htm: 'GET', htu: `${aUrl}/api/here` });
	});

	it("the nonce A gives on its redirect is signed into the next hop's proof: no extra round trip", async () => {
		aNonce = 'a-nonce-1';
		const send = clientFor(manager());
		expect((await send('moved')).status).toBe(200);
		expect(seenByA.map((seen) => [seen.path, seen.proof?.nonce, seen.refused])).toEqual([
			['/api/moved', undefined, undefined],
			['/api/here?from=moved', 'a-nonce-1', undefined],
		]);
	});

	it('a redirect loop stops after 20 redirects, as fetch does, with ERR_DPOP: 21 requests, each with its own proof', async () => {
		const send = clientFor(manager());
		const error = rejection(await settle(send('loop'), 5_000));
		expect(errorName(error)).toBe(ErrorCode.Dpop);
		expect(error.message).toMatch(/redirected more than 20 times/);
		expect(seenByA).toHaveLength(21);
		expect(new Set(seenByA.map((seen) => seen.proof!.jti)).size).toBe(21);
	});

	it('a stream body redirected with 307 is not sent again: ERR_NOT_REPLAYABLE saying why, 1 request, nothing to B', async () => {
		const send = clientFor(manager());
		const body = new ReadableStream({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('streamed'));
				controller.close();
			},
		});
		const error = rejection(await settle(send('away-307', { method: 'POST', body, duplex: 'half' } as RequestInit), 5_000));
		expect(errorName(error)).toBe(ErrorCode.NotReplayable);
		expect(error.message).toMatch(/redirected \(307\).*stream/);
		expect(seenByA).toHaveLength(1);
		expect(seenByB).toHaveLength(0);
	});

	it("redirect: 'manual' from the caller: the 3xx comes back as is, nothing followed", async () => {
		const send = clientFor(manager());
		const response = await send('away', { redirect: 'manual' });
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe(`${bUrl}/landing`);
		expect(seenByB).toHaveLength(0);
	});
});

describe('DPoP redirects in a browser, and at the token endpoint', () => {
	it("a browser's opaque answer to redirect: 'manual' (no Location to read): ERR_DPOP saying to call the URL it redirects to, nothing followed", async () => {
		// What a browser answers a manual redirect with: type opaqueredirect, status 0, no header readable.
		const browserFetch: typeof fetch = async (input, init) => {
			const request = new Request(input, init);
			const response = await fetch(request);
			if (request.redirect !== 'manual' || response.status < 300 || response.status > 399) return response;
			const opaque = new Response(null, { status: 200 });
			Object.defineProperties(opaque, { type: { value: 'opaqueredirect' }, status: { value: 0 }, url: { value: request.url } });
			return opaque;
		};
		const tokens = manager();
		const api = createClient({ prefixUrl: `${aUrl}/api/`, auth: tokens, retry: 0, throwHttpErrors: false, fetch: browserFetch });
		const error = rejection(await settle(api.get('moved'), 5_000));
		expect(errorName(error)).toBe(ErrorCode.Dpop);
		expect(error.message).toMatch(/redirect.*browser.*call the URL it redirects to/);
		expect(seenByA.map((seen) => seen.path)).toEqual(['/api/moved']);
	});

	it('a token endpoint redirecting to another origin: not followed (ERR_TOKEN_RESPONSE), B sees nothing', async () => {
		const error = rejection(await settle(manager('/token-away').getToken(), 5_000));
		expect(errorName(error)).toBe(ErrorCode.TokenResponse);
		expect(error.message).toMatch(/307, a redirect, not followed/);
		expect(seenByB).toHaveLength(0);
	});
});
