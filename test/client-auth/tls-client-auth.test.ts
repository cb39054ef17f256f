import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsClientAuth as browserTlsClientAuth } from '../../src/client-auth/tls-client-auth.browser.js';
import {
	authFetch,
	createClient,
	createTokenManager,
	InvalidOptionError,
	NetworkError,
	oauth2,
	OAuthError,
	tlsClientAuth,
} from '../../src/index.js';
import { makeCertificates } from '../_helpers/tls-certificates.js';

/**
 * mTLS client authentication and certificate-bound tokens (RFC 8705) against a real TLS server on 127.0.0.1, with
 * certificates made for the test (test/_helpers/tls-certificates.ts): `backend-1` is known to the server by its subject
 * DN (tls_client_auth), its self-signed twin by its thumbprint (self_signed_tls_client_auth); `intruder` by neither.
 */
const CLIENT_ID = 'backend-1';

const { ca, serverPair, client, intruder, ownCert, dir } = makeCertificates(CLIENT_ID);

/** RFC 8705 3.1: `x5t#S256`, the base64url SHA-256 of the certificate's DER. */
function thumbprintOf(der: Buffer): string {
	return createHash('sha256').update(der).digest('base64url');
}
const selfSignedThumbprint = thumbprintOf(Buffer.from(ownCert.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64'));

/** The test's authorization server and API, in one TLS server that asks every client for a certificate. */
interface Hit {
	readonly path: string;
	readonly body: URLSearchParams;
	readonly thumbprint: string | undefined;
}

const hits: Hit[] = [];
/** Introspection, in memory: each access token's `cnf` (RFC 8705 3.1). */
const issued = new Map<string, { cnf: { 'x5t#S256': string } }>();
let aliases = false;
let server: Server;
let origin = '';

function json(response: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** The client the presented certificate proves: `backend-1` by a CA's certificate with its DN, or the self-signed one. */
function clientOf(socket: TLSSocket): string | undefined {
	const peer = socket.getPeerCertificate();
	if (!peer?.raw) return undefined;
	// tls_client_auth (RFC 8705 2.1): a chain to the trusted CA, and the registered subject DN.
	if (socket.authorized && peer.subject.CN === CLIENT_ID && peer.subject.O === 'Tokenkeeper Tests') return CLIENT_ID;
	// self_signed_tls_client_auth (2.2): the registered certificate, by its thumbprint.
	if (thumbprintOf(peer.raw) === selfSignedThumbprint) return CLIENT_ID;
	return undefined;
}

beforeAll(async () => {
	server = createServer({ ...serverPair, ca: [ca.cert], requestCert: true, rejectUnauthorized: false }, async (request, response) => {
		const socket = request.socket as TLSSocket;
		const peer = socket.getPeerCertificate();
		const thumbprint = peer?.raw ? thumbprintOf(peer.raw) : undefined;
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const body = new URLSearchParams(Buffer.concat(chunks).toString());
		const url = new URL(request.url ?? '/', origin);
		hits.push({ path: url.pathname, body, thumbprint });
		if (url.pathname === '/.well-known/openid-configuration') {
			return json(response, 200, {
				issuer: origin,
				token_endpoint: `${origin}/token`,
				...(aliases ? { mtls_endpoint_aliases: { token_endpoint: `${origin}/mtls/token` } } : {}),
			});
		}
		if (url.pathname === '/token' || url.pathname === '/mtls/token') {
			if (aliases && url.pathname === '/token')
				return json(response, 400, { error: 'invalid_client', error_description: 'no certificate here' });
			if (body.has('client_secret') || body.has('client_assertion')) return json(response, 400, { error: 'invalid_request' });
			if (body.get('client_id') !== CLIENT_ID || clientOf(socket) !== CLIENT_ID || thumbprint === undefined) {
				return json(response, 401, { error: 'invalid_client', error_description: 'client certificate not accepted' });
			}
			const accessToken = `at-${issued.size + 1}`;
			issued.set(accessToken, { cnf: { 'x5t#S256': thumbprint } });
			return json(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300 });
		}
		if (url.pathname === '/api/me') {
			const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
			const binding = token === undefined ? undefined : issued.get(token);
			// RFC 8705 3: the token is good only with the certificate it is bound to.
			if (binding === undefined || binding.cnf['x5t#S256'] !== thumbprint) {
				return json(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
			}
			return json(response, 200, { client: CLIENT_ID });
		}
		json(response, 404, {});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	rmSync(dir, { recursive: true, force: true });
});

function tokenRequests(): Hit[] {
	return hits.filter((hit) => hit.path.endsWith('/token'));
}

function reset(withAliases: boolean): void {
	hits.length = 0;
	aliases = withAliases;
}

const fixedProvider = (clientAuth: ReturnType<typeof tlsClientAuth>) =>
	oauth2({ clientId: CLIENT_ID, tokenEndpoint: `${origin}/token`, clientAuth });

describe('tlsClientAuth (RFC 8705): mTLS client authentication against a real TLS server', () => {
	it('authenticates the token request with the client certificate: client_id in the body, no secret, no assertion', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		expect(mtls.method).toBe('tls_client_auth');
		const token = await createTokenManager(fixedProvider(mtls), { fetch: mtls.fetch }).getToken();
		expect(token.accessToken).toMatch(/^at-/);
		const [request] = tokenRequests();
		expect(tokenRequests()).toHaveLength(1);
		expect(request!.body.get('client_id')).toBe(CLIENT_ID);
		expect(request!.body.get('grant_type')).toBe('client_credentials');
		expect([...request!.body.keys()].filter((name) => /secret|assertion/.test(name))).toEqual([]);
		expect(request!.thumbprint).toBe(issued.get(token.accessToken)!.cnf['x5t#S256']);
	});

	it('self_signed_tls_client_auth: the server knows the client by its certificate thumbprint; the client sends the same', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...ownCert, ca: ca.cert, selfSigned: true });
		expect(mtls.method).toBe('self_signed_tls_client_auth');
		const token = await createTokenManager(fixedProvider(mtls), { fetch: mtls.fetch }).getToken();
		expect(issued.get(token.accessToken)!.cnf['x5t#S256']).toBe(selfSignedThumbprint);
	});

	it('needs no clientSecret on the provider', () => {
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		expect(() => oauth2({ clientId: CLIENT_ID, tokenEndpoint: 'https://as.example/token', clientAuth: mtls })).not.toThrow();
	});

	it('a certificate the server does not know is refused as invalid_client', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...intruder, ca: ca.cert });
		const failure = await createTokenManager(fixedProvider(mtls), { fetch: mtls.fetch })
			.getToken()
			.catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(OAuthError);
		expect((failure as OAuthError).error).toBe('invalid_client');
	});

	it('sends token requests to the mtls_endpoint_aliases when discovery names them (RFC 8705 5)', async () => {
		reset(true);
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		const provider = oauth2({ issuer: origin, clientId: CLIENT_ID, clientAuth: mtls });
		const token = await createTokenManager(provider, { fetch: mtls.fetch }).getToken();
		expect(token.accessToken).toMatch(/^at-/);
		expect(tokenRequests().map((hit) => hit.path)).toEqual(['/mtls/token']);
	});

	it('without aliases in discovery, uses the token_endpoint', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		await createTokenManager(oauth2({ issuer: origin, clientId: CLIENT_ID, clientAuth: mtls }), { fetch: mtls.fetch }).getToken();
		expect(tokenRequests().map((hit) => hit.path)).toEqual(['/token']);
	});
});

describe('certificate-bound tokens (RFC 8705 3)', () => {
	it('createClient with the method’s fetch presents the certificate to the API: the bound token is accepted', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		const api = createClient({ prefixUrl: `${origin}/api/`, auth: fixedProvider(mtls), fetch: mtls.fetch, retry: 0 });
		expect(await api.get('me').json()).toEqual({ client: CLIENT_ID });
		// One token, one API call: no rejection, no retry.
		expect(tokenRequests()).toHaveLength(1);
		expect(hits.filter((hit) => hit.path === '/api/me')).toHaveLength(1);
	});

	it('authFetch with the method’s fetch presents the certificate to the API too', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		const send = authFetch({ auth: fixedProvider(mtls), allowedOrigins: [origin], fetch: mtls.fetch });
		const response = await send(`${origin}/api/me`);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ client: CLIENT_ID });
		expect(tokenRequests()).toHaveLength(1);
	});

	it('the bound token is refused without the certificate, and with another certificate', async () => {
		reset(false);
		const mtls = tlsClientAuth({ ...client, ca: ca.cert });
		const { accessToken } = await createTokenManager(fixedProvider(mtls), { fetch: mtls.fetch }).getToken();
		const headers = { authorization: `Bearer ${accessToken}` };
		const bare = new Agent({ connect: { ca: ca.cert } });
		try {
			expect((await undiciFetch(`${origin}/api/me`, { headers, dispatcher: bare })).status).toBe(401);
		} finally {
			await bare.close();
		}
		const other = tlsClientAuth({ ...intruder, ca: ca.cert });
		expect((await other.fetch(`${origin}/api/me`, { headers })).status).toBe(401);
		expect((await mtls.fetch(`${origin}/api/me`, { headers })).status).toBe(200);
	});
});

describe('tlsClientAuth: configuration, secrets and browsers', () => {
	const keyBody = (key: string) => key.split('\n')[1]!;

	it('a key or certificate Node cannot read fails at construction, naming the option and never quoting it', () => {
		const badKey = client.key.replace(/[A-Za-z]{8}/, 'AAAAAAAA').replace('PRIVATE KEY-----\n', 'PRIVATE KEY-----\n!!');
		const keyError = (() => {
			try {
				tlsClientAuth({ cert: client.cert, key: badKey });
			} catch (error) {
				return error as InvalidOptionError;
			}
		})();
		expect(keyError).toBeInstanceOf(InvalidOptionError);
		expect(keyError!.option).toBe('key');
		expect(inspect(keyError, { depth: 10 })).not.toContain(keyBody(badKey).slice(2, 30));
		expect(() => tlsClientAuth({ cert: 'not a certificate', key: client.key })).toThrow(
			expect.objectContaining({ option: 'cert', message: expect.stringContaining('PEM certificate') }),
		);
		expect(() => tlsClientAuth({ cert: client.cert, key: 42 as unknown as string })).toThrow(
			'Expected `key` to be a PEM private key (a string or a Buffer), got a number',
		);
	});

	it('no key material in the error of a refused handshake or of a refused client', async () => {
		reset(false);
		// A server that trusts no client certificate of ours: the handshake itself fails.
		const strict = createServer({ ...serverPair, requestCert: true, rejectUnauthorized: true, ca: [ownCert.cert] }, (_q, s) => s.end());
		await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
		try {
			const port = (strict.address() as AddressInfo).port;
			const mtls = tlsClientAuth({ ...intruder, ca: ca.cert });
			const provider = oauth2({ clientId: CLIENT_ID, tokenEndpoint: `https://127.0.0.1:${port}/token`, clientAuth: mtls });
			const failure = await createTokenManager(provider, { fetch: mtls.fetch, retry: 0 })
				.getToken()
				.catch((error: unknown) => error);
			// The server refuses the certificate in the handshake: a network failure, not a token answer.
			expect(failure).toBeInstanceOf(NetworkError);
			expect(failure).toMatchObject({ code: 'ERR_NETWORK' });
			const refused = await createTokenManager(fixedProvider(mtls), { fetch: mtls.fetch })
				.getToken()
				.catch((error: unknown) => error);
			expect(refused).toBeInstanceOf(OAuthError);
			for (const error of [failure, refused]) {
				const shown = `${String(error)}\n${inspect(error, { depth: 20 })}\n${JSON.stringify(error)}`;
				expect(shown).not.toContain(keyBody(intruder.key));
				expect(shown).not.toContain('PRIVATE KEY');
			}
		} finally {
			strict.closeAllConnections();
			await new Promise((resolve) => strict.close(resolve));
		}
	});

	it('the browser build’s tlsClientAuth throws a clear error: a script cannot present a client certificate', () => {
		expect(() => browserTlsClientAuth({ ...client })).toThrow(
			expect.objectContaining({ option: 'clientAuth', message: expect.stringContaining('Node only') }),
		);
	});
});
