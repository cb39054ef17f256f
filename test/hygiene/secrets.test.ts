import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
	authFetch,
	clientSecretJwt,
	createAuthorizationCodeFlow,
	createClient,
	createTokenExchange,
	createTokenManager,
	dotkernel,
	NetworkError,
	oauth2,
	privateKeyJwt,
	sqowey,
	squidex,
	tlsClientAuth,
	type AuthorizationCodeFlow,
	type TokenManager,
} from '../../src/index.js';
import { createEmulator, type Emulator, type Fault } from '../../src/testing/index.js';
import { CLI, runCli } from '../_helpers/cli.js';
import { settle } from '../_helpers/outcome.js';
import { recordChannels } from '../_helpers/diagnostics.js';
import { startTelemetry } from '../_helpers/otel.js';
import { findSecrets, providerRenderings, renderings } from '../_helpers/secrets.js';
import { makeCertificates } from '../_helpers/tls-certificates.js';
import { createRecordingStorage, REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';

/**
 * Secret hygiene (DESIGN.md, Errors: "never contain a secret"): one run through every error path with
 * recognisable secrets, then one search for each secret in everything a log could get: every error (message,
 * `cause` chain, stack, `toJSON`, a deep inspect with hidden fields), every event payload, every console line and
 * process warning, and the CLI's stdout and stderr. Tokens, codes and verifiers the emulator issues are learnt
 * during the run and searched for too. Every diagnostics channel is subscribed to, and every span and metric goes
 * through the OpenTelemetry SDK's in-memory exporters (`tokenkeeper/otel`): all of it is searched as well.
 */
const CLIENT_SECRET = 'tk-CLIENT-SECRET-3c9e71f04a';
const WRONG_SECRET = 'tk-WRONG-SECRET-b81d2f6e93';
const PASSWORD = 'tk-PASSWORD-5a0f9e2c18';
const WRONG_PASSWORD = 'tk-WRONG-PASSWORD-77e1c0d4b2';
const FAULT_ACCESS_TOKEN = 'tk-ACCESS-TOKEN-in-a-broken-answer-91f3';

const FAST = { retry: { retries: 1, minTimeout: 5, maxTimeout: 10 }, timeout: 150 } as const;

let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator({
		squidex: { clients: [{ clientId: 'food-crunch:hygiene', clientSecret: CLIENT_SECRET }] },
		dotkernel: {
			clients: [{ clientId: 'frontend', clientSecret: CLIENT_SECRET, role: 'user' }],
			users: [{ username: 'hygiene@example.net', password: PASSWORD, role: 'user' }],
		},
		sqowey: { clients: [{ clientId: 'sqowey-server', clientSecret: CLIENT_SECRET }] },
	});
});
afterAll(() => emulator.close());

/** Everything the run produced that someone could print. */
const evidence: Array<readonly [where: string, text: string]> = [];
/** Secret name -> value; tokens, codes and verifiers are added as the run learns them. */
const secrets = new Map<string, string>([
	['client secret', CLIENT_SECRET],
	['wrong client secret', WRONG_SECRET],
	['password', PASSWORD],
	['wrong password', WRONG_PASSWORD],
	['access token in a broken answer', FAULT_ACCESS_TOKEN],
]);
let learnt = 0;
function learn(kind: string, value: string | undefined): void {
	if (value) secrets.set(`${kind} #${++learnt}`, value);
}

function recordError(where: string, error: unknown): void {
	for (const text of renderings(error)) evidence.push([where, text]);
}

/** Await a call that must fail, and keep its error. */
async function failing(where: string, promise: Promise<unknown>): Promise<unknown> {
	const outcome = await settle(promise, 5_000);
	expect(outcome.state, `${where} should fail`).toBe('rejected');
	if (outcome.state === 'rejected') recordError(where, outcome.error);
	return outcome.state === 'rejected' ? outcome.error : undefined;
}

/** Keep every event a manager emits, and every token it hands out (as a secret to look for). */
function watch(name: string, manager: TokenManager): TokenManager {
	manager.on('token', (event) => {
		learn('access token', event.tokenSet.accessToken);
		learn('refresh token', event.tokenSet.refreshToken);
		for (const text of renderings(event)) evidence.push([`${name} token event`, text]);
		evidence.push([`${name} token event`, inspect(event, { showHidden: true, depth: 10 })]);
	});
	manager.on('login-required', (event) => {
		for (const text of renderings(event)) evidence.push([`${name} login-required event`, text]);
		recordError(`${name} login-required event error`, event.error);
	});
	manager.on('error', (event) => {
		for (const text of renderings(event)) evidence.push([`${name} error event`, text]);
		recordError(`${name} error event error`, event.error);
	});
	manager.on('dpop-downgrade', (event) => {
		for (const text of renderings(event)) evidence.push([`${name} dpop-downgrade event`, text]);
	});
	return manager;
}

/**
 * DPoP: the private key (its `d`, from an extractable pair made for the test) and every proof sent are secrets too
 * (a proof is a bearer of the moment: replayable until the server sees it). Paths: nonce refusals, a refused `iat`
 * twice, a key of another curve, a token bound to another key, a downgrade, a revoked bound token.
 */
async function dpopPaths(): Promise<void> {
	emulator.setDpop({ nonce: 'required' });
	const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
	learn('DPoP private key d', (await crypto.subtle.exportKey('jwk', keyPair.privateKey)).d);
	const recording: typeof fetch = (input, init) => {
		const proof = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('dpop') ?? undefined;
		learn('DPoP proof', proof);
		learn('DPoP proof signature', proof?.split('.')[2]);
		return fetch(input, init);
	};
	const { url, clientId } = emulator.credentials.sqowey;
	const provider = sqowey({ url, clientId, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
	const flow = createAuthorizationCodeFlow(provider, { storage: 'memory', dpop: { keyPair }, fetch: recording, ...FAST });
	watch('sqowey dpop', flow.tokens);
	const callback = await visit(await flow.createAuthorizationUrl({ scope: ['identity'] }));
	learn('authorization code', callback.searchParams.get('code') ?? undefined);
	await flow.handleCallback(callback);
	const api = createClient({ prefixUrl: `${url}/api/`, auth: flow.tokens, fetch: recording, retry: 0, throwHttpErrors: false });
	await api.get('users/@me');
	emulator.revokeAllTokens();
	await failing('dpop: revoked bound token, refresh refused', api.get('users/@me').json());

	const body = JSON.stringify({ error: 'invalid_dpop_proof', error_description: 'DPoP proof iat is too old' });
	emulator.injectFault({ kind: 'status', status: 400, body, contentType: 'application/json' }, { times: 2 });
	const skewed = watch('dpop skew', createTokenManager(provider, { dpop: { keyPair }, fetch: recording, ...FAST }));
	await skewed.setTokens({
		accessToken: 'tk-ACCESS-expired-dpop-6b2a',
		tokenType: 'DPoP',
		refreshToken: 'tk-REFRESH-not-issued-1e9d',
		expiresAt: 0,
	});
	learn('refresh token', 'tk-REFRESH-not-issued-1e9d');
	await failing('dpop: iat refused twice', skewed.getToken());
	emulator.clearFaults();

	const p384 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as CryptoKeyPair;
	learn('DPoP P-384 private key d', (await crypto.subtle.exportKey('jwk', p384.privateKey)).d);
	await failing('dpop: a P-384 key', watch('dpop p384', createTokenManager(provider, { dpop: { keyPair: p384 }, ...FAST })).getToken());

	const foreign = watch('dpop foreign key', createTokenManager(provider, { dpop: { keyPair }, ...FAST }));
	const boundElsewhere = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ cnf: { jkt: 'x'.repeat(43) } })).toString('base64url')}.tk-SIG`;
	learn('access token bound elsewhere', boundElsewhere);
	await foreign.setTokens({ accessToken: boundElsewhere, tokenType: 'DPoP', expiresIn: 3600 });
	await failing('dpop: token bound to another key', createClient({ prefixUrl: `${url}/api/`, auth: foreign, retry: 0 }).get('users/@me'));

	emulator.setDpop(undefined);
	const downgraded = watch(
		'dpop downgrade',
		createTokenManager(oauth2(emulator.credentials.oauth2), { dpop: true, fetch: recording, ...FAST }),
	);
	await downgraded.getToken();
}

/** A private key's PEM body, line by line (a line of base64 is what a log would show of it). */
function learnPem(kind: string, pem: string): void {
	for (const line of pem.split('\n').filter((each) => /^[A-Za-z0-9+/=]{24,}$/.test(each))) learn(`${kind} PEM body`, line);
}

/** An extractable P-256 pair: its private JWK's `d` is a secret to look for; the public JWK as a server registers it. */
async function extractableKey(kind: string): Promise<{ privateJwk: JsonWebKey; publicJwk: JsonWebKey }> {
	const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
	const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
	learn(`${kind} private key d`, privateJwk.d);
	const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
	return { privateJwk, publicJwk: { kty, crv, x, y } };
}

/** A fetch that learns every client assertion it sends (a bearer credential until its `exp`), whole and its signature. */
let assertionsSent = 0;
const recordAssertions: typeof fetch = async (input, init) => {
	const body = init?.body ?? (input instanceof Request ? await input.clone().text() : undefined);
	if (typeof body === 'string' || body instanceof URLSearchParams) {
		const assertion = new URLSearchParams(body).get('client_assertion') ?? undefined;
		if (assertion) assertionsSent += 1;
		learn('client assertion', assertion);
		learn('client assertion signature', assertion?.split('.')[2]);
	}
	return fetch(input, init);
};

/**
 * Confidential clients (#26): the private key (an extractable JWK whose `d` is learnt), every assertion sent, a wrong
 * `client_secret_jwt` secret and the subject tokens of token exchanges are secrets. Paths: a token; a key the server
 * does not know; an `aud` it refuses; a JWK Web Crypto cannot import; a token exchange refused and one granted; PAR
 * pushes refused; and a provider with the key, logged every way.
 */
async function confidentialClientPaths(): Promise<void> {
	const { issuer, clientId, resources } = emulator.credentials.oauth2;
	const known = await extractableKey('client');
	await emulator.registerClientKey(known.publicJwk);
	const transport = { fetch: recordAssertions, ...FAST };
	const keyed = (privateKey: JsonWebKey, options: { audience?: 'token-endpoint' } = {}) =>
		oauth2({ issuer, clientId, clientAuth: privateKeyJwt({ privateKey, ...options }) });

	const provider = keyed(known.privateJwk);
	for (const text of providerRenderings(provider)) evidence.push(['privateKeyJwt provider', text]);
	const tokens = watch('privateKeyJwt', createTokenManager(provider, transport));
	const { accessToken } = await tokens.getToken();
	evidence.push(['privateKeyJwt token manager', inspect(tokens, { showHidden: true, depth: 10 })]);

	const stranger = await extractableKey('unknown client');
	const unknownKey = await failing(
		'privateKeyJwt: a key the server does not know (invalid_client)',
		watch('privateKeyJwt (unknown key)', createTokenManager(keyed(stranger.privateJwk), transport)).getToken(),
	);
	expect(unknownKey).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_client' });
	const endpointAud = await failing(
		'privateKeyJwt: aud the token endpoint, refused',
		watch(
			'privateKeyJwt (token-endpoint aud)',
			createTokenManager(keyed(known.privateJwk, { audience: 'token-endpoint' }), transport),
		).getToken(),
	);
	expect(endpointAud).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_client', message: expect.stringContaining('aud') });
	const brokenD = `tkBROKENd${Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url')}`;
	learn('broken private key d', brokenD);
	const unimportable = await failing(
		'privateKeyJwt: a JWK Web Crypto cannot import',
		watch('privateKeyJwt (broken d)', createTokenManager(keyed({ ...known.privateJwk, d: brokenD }), transport)).getToken(),
	);
	expect(unimportable).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'privateKey' });
	const wrongSecret = await failing(
		'clientSecretJwt: wrong secret',
		watch(
			'clientSecretJwt (wrong secret)',
			createTokenManager(oauth2({ issuer, clientId, clientSecret: WRONG_SECRET, clientAuth: clientSecretJwt() }), transport),
		).getToken(),
	);

	const exchange = createTokenExchange(provider, { resource: resources[0], ...transport });
	const notIssued = 'tk-SUBJECT-TOKEN-not-issued-4d7c2e91b0';
	learn('subject token', notIssued);
	expect(wrongSecret).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_client' });
	const refusedExchange = await failing(
		'token exchange: a subject token the server did not issue (invalid_grant)',
		exchange.getToken({ subjectToken: notIssued }),
	);
	expect(refusedExchange).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_grant' });
	const exchanged = await exchange.getToken({ subjectToken: accessToken });
	learn('exchanged access token', exchanged.accessToken);
	evidence.push(['token exchange', inspect(exchange, { showHidden: true, depth: 10 })], ['token exchange', JSON.stringify(exchange)]);

	const pushes: Array<readonly [where: string, clientId: string, redirectUri: string, error: string]> = [
		['a redirect URI the server refuses', clientId, 'https://attacker.example/callback', 'invalid_request'],
		['an unknown client', 'tk-unknown-client', 'http://127.0.0.1:3000/callback', 'invalid_client'],
	];
	const pushesBefore = emulator.counters().pushedAuthorizationRequests;
	for (const [where, client, redirectUri, error] of pushes) {
		const flow = createAuthorizationCodeFlow(
			oauth2({
				issuer,
				clientId: client,
				redirectUri,
				grant: 'authorization_code',
				clientAuth: privateKeyJwt({ privateKey: known.privateJwk }),
			}),
			{ storage: 'memory', ...transport },
		);
		watch(`PAR (${where})`, flow.tokens);
		const refused = await failing(`PAR: push refused, ${where}`, flow.createAuthorizationUrl({ scope: ['openid'], par: true }));
		expect(refused).toMatchObject({ code: 'ERR_OAUTH', error });
	}
	expect(emulator.counters().pushedAuthorizationRequests - pushesBefore).toBe(pushes.length);
}

/**
 * tlsClientAuth: the key PEM (its body learnt) with a certificate Node cannot read, and a key Node cannot read; a
 * provider with the method, logged every way. Certificates from `openssl` (test/_helpers/tls-certificates.ts).
 */
function tlsPaths(): void {
	const { issuer, clientId } = emulator.credentials.oauth2;
	const certificates = makeCertificates(clientId);
	try {
		const { client } = certificates;
		learnPem('client certificate key', client.key);
		const mtls = tlsClientAuth({ ...client });
		for (const text of providerRenderings(oauth2({ issuer, clientId, clientAuth: mtls }))) evidence.push(['tlsClientAuth provider', text]);
		evidence.push(['tlsClientAuth method', inspect(mtls, { showHidden: true, depth: 10 })], ['tlsClientAuth method', JSON.stringify(mtls)]);
		const brokenCert = client.cert.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!');
		const brokenKey = client.key.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!');
		learnPem('broken client certificate key', brokenKey);
		for (const [where, options] of [
			['a broken certificate', { cert: brokenCert, key: client.key }],
			['not a certificate', { cert: 'tk-not-a-certificate', key: client.key }],
			['a broken key', { cert: client.cert, key: brokenKey }],
		] as const) {
			const thrown = (() => {
				try {
					tlsClientAuth(options);
				} catch (error) {
					return error;
				}
			})();
			expect(thrown, `tlsClientAuth with ${where}`).toMatchObject({ code: 'ERR_INVALID_OPTION' });
			recordError(`tlsClientAuth: ${where}`, thrown);
		}
	} finally {
		rmSync(certificates.dir, { recursive: true, force: true });
	}
}

/** A 400 whose body repeats what it was sent, as some servers and proxies do. */
function echo(status: number, error: string, ...values: string[]): Fault {
	return {
		kind: 'status',
		status,
		contentType: 'application/json',
		body: JSON.stringify({
			error,
			error_description: `received ${values.join(' and ')}`,
			hint: values.join(','),
			message: values.join(' '),
		}),
	};
}

/** Every broken answer a token endpoint can give, each with what it would leak if printed. */
const brokenAnswers = (): Fault[] => [
	echo(400, 'invalid_request', CLIENT_SECRET, `client_secret=${CLIENT_SECRET}`),
	{ kind: 'status', status: 502, contentType: 'text/html', body: `<pre>client_secret=${CLIENT_SECRET}&password=${PASSWORD}</pre>` },
	{ kind: 'status', status: 200, contentType: 'text/html', body: `<html>client_secret=${encodeURIComponent(CLIENT_SECRET)}</html>` },
	{ kind: 'token-response', body: { access_token: FAULT_ACCESS_TOKEN, token_type: 'DPoP', expires_in: 60 } },
	{ kind: 'token-response', body: { access_token: FAULT_ACCESS_TOKEN, token_type: 'Bearer', expires_in: 'soon' } },
	{ kind: 'token-response', body: { token_type: 'Bearer', refresh_token: FAULT_ACCESS_TOKEN } },
	{ kind: 'invalid-json' },
	{ kind: 'hang' },
	{ kind: 'reset' },
];

async function squidexPaths(): Promise<void> {
	const { url } = emulator.credentials.squidex;
	const wrong = watch(
		'squidex (wrong secret)',
		createTokenManager(squidex({ url, clientId: 'food-crunch:hygiene', clientSecret: WRONG_SECRET }), FAST),
	);
	await failing('squidex: wrong secret', wrong.getToken());

	const tokens = watch('squidex', createTokenManager(squidex({ url, clientId: 'food-crunch:hygiene', clientSecret: CLIENT_SECRET }), FAST));
	await tokens.getToken();
	for (const fault of brokenAnswers()) {
		emulator.injectFault(fault);
		await failing(
			`squidex: token endpoint ${fault.kind} ${'status' in fault ? fault.status : ''}`,
			tokens.getToken({ forceRefresh: true }),
		);
		emulator.clearFaults();
	}

	// The API side: a rejected stream body, and 401 twice (returned as is, with no error at all).
	const api = createClient({ prefixUrl: `${url}/api/`, auth: tokens, retry: 0 });
	emulator.revokeAllTokens();
	const body = new ReadableStream({
		start(controller) {
			controller.enqueue(new TextEncoder().encode(`{"password":"${PASSWORD}"}`));
			controller.close();
		},
	});
	await failing('squidex: stream body rejected', api.post('upload', { body }));
	emulator.injectFault({ kind: 'status', status: 401 }, { target: 'api', times: 2 });
	await failing('squidex: 401 twice (ky HTTPError)', api.get('apps/food-crunch/schemas'));
	const fetchWithToken = authFetch({ auth: tokens, allowedOrigins: [url] });
	emulator.injectFault({ kind: 'reset' }, { target: 'api', times: 1 });
	await failing('squidex: API connection reset (authFetch)', fetchWithToken(`${url}/api/apps/food-crunch/schemas`));
}

async function dotkernelPaths(): Promise<void> {
	const { url } = emulator.credentials.dotkernel;
	const provider = (password: string | undefined) =>
		dotkernel({
			url,
			clientId: 'frontend',
			clientSecret: CLIENT_SECRET,
			credentials: password === undefined ? undefined : async () => ({ username: 'hygiene@example.net', password }),
		});

	await failing(
		'dotkernel: wrong password',
		watch('dotkernel (wrong password)', createTokenManager(provider(WRONG_PASSWORD), FAST)).getToken(),
	);

	const first = watch('dotkernel', createTokenManager(provider(PASSWORD), FAST));
	const tokenSet = await first.getToken();
	// A second holder without credentials reuses the refresh token the first one rotates: LoginRequiredError.
	const second = watch('dotkernel (second holder)', createTokenManager(provider(undefined), FAST));
	await second.setTokens(tokenSet);
	await first.getToken({ forceRefresh: true });
	await failing('dotkernel: refresh token reused', second.getToken({ forceRefresh: true }));

	// The refresh and then the password grant both meet a server that echoes what it got.
	const { refreshToken } = await first.getToken();
	emulator.injectFault(echo(401, 'invalid_request', refreshToken!, CLIENT_SECRET), { times: 1 });
	emulator.injectFault(echo(400, 'Invalid credentials.', PASSWORD, CLIENT_SECRET), { times: 1 });
	await failing('dotkernel: refresh and password grant echoed back', first.getToken({ forceRefresh: true }));
	emulator.clearFaults();
	for (const fault of brokenAnswers()) {
		emulator.injectFault(fault);
		await failing(`dotkernel: token endpoint ${fault.kind}`, first.getToken({ forceRefresh: true }));
		emulator.clearFaults();
	}
}

async function sqoweyPaths(): Promise<void> {
	const { url } = emulator.credentials.sqowey;
	const attempts = createRecordingStorage();
	const flow: AuthorizationCodeFlow = createAuthorizationCodeFlow(
		sqowey({ url, clientId: 'sqowey-server', clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI }),
		{
			attemptStorage: attempts,
			storage: 'memory',
			...FAST,
		},
	);
	watch('sqowey', flow.tokens);
	const start = async () => {
		const callback = await visit(await flow.createAuthorizationUrl({ scope: ['identity'] }));
		learn('authorization code', callback.searchParams.get('code') ?? undefined);
		learn('code verifier', (JSON.parse(attempts.written.at(-1)!) as { codeVerifier: string }).codeVerifier);
		return callback;
	};

	const first = await start();
	await flow.handleCallback(first);
	// The same code again, through a new attempt: LoginRequiredError with the server's invalid_grant as cause.
	const replay = await start();
	replay.searchParams.set('code', first.searchParams.get('code')!);
	await failing('sqowey: code reused', flow.handleCallback(replay));

	// A mix-up: the callback (with its code) comes from another issuer.
	const mixedUp = await start();
	mixedUp.searchParams.set('iss', 'https://attacker.example');
	await failing('sqowey: iss mismatch', flow.handleCallback(mixedUp));

	// The code exchange meets a server that echoes the code, the verifier and the secret.
	const echoed = await start();
	const verifier = (JSON.parse(attempts.written.at(-1)!) as { codeVerifier: string }).codeVerifier;
	emulator.injectFault(echo(400, 'invalid_request', echoed.searchParams.get('code')!, verifier, CLIENT_SECRET), { times: 1 });
	await failing('sqowey: code exchange echoed back', flow.handleCallback(echoed));
	for (const fault of brokenAnswers()) {
		const callback = await start();
		emulator.injectFault(fault);
		await failing(`sqowey: code exchange ${fault.kind}`, flow.handleCallback(callback));
		emulator.clearFaults();
	}

	// A refresh refused with an echo, then logouts whose revocation fails in every way.
	const tokenSet = await flow.handleCallback(await start());
	emulator.injectFault(echo(400, 'invalid_grant', tokenSet.refreshToken!, CLIENT_SECRET), { times: 1 });
	await failing('sqowey: refresh echoed back', flow.tokens.getToken({ forceRefresh: true }));
	// Revocation sends the refresh token, then the access token: an echo of each, then every broken answer.
	const echoes = (session: { accessToken: string; refreshToken?: string | undefined }) => [
		echo(400, 'invalid_request', session.refreshToken!, CLIENT_SECRET),
		echo(400, 'invalid_request', session.accessToken, CLIENT_SECRET),
	];
	for (const fault of [undefined, ...brokenAnswers()]) {
		const session = await flow.handleCallback(await start());
		if (fault) emulator.injectFault(fault);
		else for (const each of echoes(session)) emulator.injectFault(each, { times: 1 });
		const result = await flow.logout();
		emulator.clearFaults();
		// A 200, whatever its body, is a successful revocation (RFC 7009 2.2); every other answer is reported.
		const ok =
			fault !== undefined &&
			(fault.kind === 'token-response' || fault.kind === 'invalid-json' || (fault.kind === 'status' && fault.status === 200));
		const name = fault ? `${fault.kind} ${'status' in fault ? fault.status : ''}` : 'echoes';
		expect(result.revoked, `logout against ${name}`).toBe(ok);
		for (const error of result.errors) recordError(`sqowey: logout against ${name}`, error);
		learn('access token', session.accessToken);
	}
	// Refresh token reuse (a copy in a second manager): the session is revoked, both end in LoginRequiredError.
	const session = await flow.handleCallback(await start());
	const copy = watch(
		'sqowey (second holder)',
		createTokenManager(sqowey({ url, clientId: 'sqowey-server', clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI }), FAST),
	);
	await copy.setTokens(session);
	await flow.tokens.getToken({ forceRefresh: true });
	await failing('sqowey: refresh token reused', copy.getToken({ forceRefresh: true }));
	await failing('sqowey: revoked session', createClient({ prefixUrl: `${url}/api/`, auth: flow.tokens, retry: 0 }).get('users/@me'));
}

async function cliPaths(): Promise<void> {
	const run = async (where: string, args: string[], env: Record<string, string>, expectedCode: number) => {
		for (const verbose of [false, true]) {
			const result = await runCli(verbose ? [...args, '--verbose'] : args, { env, timeout: 10_000 });
			expect(result.code, `${where}: ${result.stderr}`).toBe(expectedCode);
			evidence.push(
				[`CLI ${where}${verbose ? ' --verbose' : ''} stderr`, result.stderr],
				[`CLI ${where}${verbose ? ' --verbose' : ''} stdout`, result.stdout],
			);
		}
	};
	const squidexArgs = [
		'token',
		'squidex',
		'--url',
		emulator.url,
		'--client-id',
		'food-crunch:hygiene',
		'--timeout',
		'200',
		'--retries',
		'0',
	];
	await run('squidex, wrong secret', squidexArgs, { TOKENKEEPER_CLIENT_SECRET: WRONG_SECRET }, 1);
	emulator.injectFault(echo(400, 'invalid_client', CLIENT_SECRET));
	await run('squidex, secret echoed back', squidexArgs, { TOKENKEEPER_CLIENT_SECRET: CLIENT_SECRET }, 1);
	emulator.clearFaults();
	emulator.injectFault({ kind: 'hang' });
	await run('squidex, token endpoint hangs', squidexArgs, { TOKENKEEPER_CLIENT_SECRET: CLIENT_SECRET }, 3);
	emulator.clearFaults();
	const dotkernelArgs = [
		'token',
		'dotkernel',
		'--url',
		emulator.url,
		'--client-id',
		'frontend',
		'--username',
		'hygiene@example.net',
		'--retries',
		'0',
	];
	await run(
		'dotkernel, wrong password',
		dotkernelArgs,
		{ TOKENKEEPER_CLIENT_SECRET: CLIENT_SECRET, TOKENKEEPER_PASSWORD: WRONG_PASSWORD },
		1,
	);
	emulator.injectFault(echo(400, 'invalid_request', PASSWORD, CLIENT_SECRET));
	await run(
		'dotkernel, password echoed back',
		dotkernelArgs,
		{ TOKENKEEPER_CLIENT_SECRET: CLIENT_SECRET, TOKENKEEPER_PASSWORD: PASSWORD },
		1,
	);
	emulator.clearFaults();
}

/**
 * `token oauth2 --client-key FILE`: a JWK and a PEM key the server does not know, a file that is no key but holds a
 * secret, a JWK Web Crypto cannot import; then a key it knows, whose session files are searched too.
 */
async function cliKeyPaths(): Promise<void> {
	const dir = mkdtempSync(path.join(tmpdir(), 'tokenkeeper-hygiene-keys-'));
	const home = mkdtempSync(path.join(tmpdir(), 'tokenkeeper-hygiene-home-'));
	try {
		const { clientId } = emulator.credentials.oauth2;
		const keyFile = (name: string, content: string) => {
			const file = path.join(dir, name);
			writeFileSync(file, content, { mode: 0o600 });
			return file;
		};
		const args = (file: string) => [
			'token',
			'oauth2',
			'--issuer',
			emulator.url,
			'--client-id',
			clientId,
			'--client-key',
			file,
			'--retries',
			'0',
		];
		const run = async (where: string, file: string, expectedCode: number, keepStdout = true) => {
			for (const verbose of [false, true]) {
				const result = await runCli(verbose ? [...args(file), '--verbose'] : args(file), {
					env: { TOKENKEEPER_HOME: home },
					timeout: 10_000,
				});
				expect(result.code, `${where}: ${result.stderr}`).toBe(expectedCode);
				evidence.push([`CLI --client-key ${where}${verbose ? ' --verbose' : ''} stderr`, result.stderr]);
				if (keepStdout) evidence.push([`CLI --client-key ${where}${verbose ? ' --verbose' : ''} stdout`, result.stdout]);
			}
		};
		const stranger = await extractableKey('CLI unknown client');
		await run('a JWK the server does not know', keyFile('stranger.jwk.json', JSON.stringify(stranger.privateJwk)), 1);
		const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
		learnPem('CLI unknown client key', pem);
		await run('a PEM key the server does not know', keyFile('stranger.pem', pem), 1);
		const notAKey = 'tk-NOT-A-KEY-but-a-secret-8e2d5c7a19';
		learn('CLI key file that is no key', notAKey);
		await run('a file that is not a key', keyFile('not-a-key.txt', notAKey), 2);
		const brokenD = `tkCLIBROKENd${Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url')}`;
		learn('CLI broken private key d', brokenD);
		// Imported at the first request, not when the file is read: ERR_INVALID_OPTION then, which exits 1.
		await run('a JWK Web Crypto cannot import', keyFile('broken.jwk.json', JSON.stringify({ ...stranger.privateJwk, d: brokenD })), 1);

		const known = await extractableKey('CLI client');
		const { kid } = await emulator.registerClientKey(known.publicJwk);
		// stdout is the token (the success); what is searched is stderr and every file the CLI wrote.
		await run('a key the server knows', keyFile('known.jwk.json', JSON.stringify({ ...known.privateJwk, kid })), 0, false);
		const written = readdirSync(home, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
		expect(written.length, 'the CLI stored the token').toBeGreaterThan(0);
		for (const entry of written) {
			const file = path.join(entry.parentPath, entry.name);
			evidence.push([`CLI session file ${path.relative(home, file)}`, readFileSync(file, 'utf8')]);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
		rmSync(home, { recursive: true, force: true });
	}
}

expectNoLeftoverResourcesAfterEachTest();

describe('secret hygiene', () => {
	it('the search finds a secret wherever it hides: a hidden field of a cause, a URL-encoded form, a prefix', () => {
		const cause = new Error('socket hang up');
		Object.defineProperty(cause, 'request', { value: { body: `client_secret=${encodeURIComponent('tk-a+b c')}` }, enumerable: false });
		const planted = new NetworkError('could not be reached', { attempts: 1, cause });
		const texts = renderings(planted).map((text) => ['planted', text] as const);
		expect(findSecrets(texts, new Map([['secret', 'tk-a+b c']]))).not.toEqual([]);
		expect(findSecrets([['log', 'token AbCdEfGhIjKl…']], new Map([['token', 'AbCdEfGhIjKlMnOpQrStUvWxYz012345']]))).toEqual([
			'token in log',
		]);
	});

	it('every error path, with recognisable secrets -> no secret in any error, event payload, channel message, span, metric, console line, warning or CLI output', {
		timeout: 60_000,
	}, async () => {
		const channels = recordChannels();
		const telemetry = startTelemetry();
		const consoleLines: string[] = [];
		for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
			vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
				consoleLines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '));
			});
		}
		const warnings: string[] = [];
		const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
		process.on('warning', onWarning);
		try {
			await squidexPaths();
			await dotkernelPaths();
			await sqoweyPaths();
			await dpopPaths();
			await confidentialClientPaths();
			tlsPaths();
			if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the package (npm run build) so the CLI's output can be checked`);
			await cliPaths();
			await cliKeyPaths();
		} finally {
			process.off('warning', onWarning);
			channels.stop();
		}
		const exported = await telemetry.exported();
		await telemetry.close();
		for (const { channel, phase, message, live } of channels.seen) {
			const where = `channel ${channel} ${phase}`;
			evidence.push([where, JSON.stringify(message)], [where, inspect(live, { showHidden: true, getters: true, depth: 10 })]);
			if ('error' in live) recordError(`${where} error`, live.error);
		}
		for (const span of exported.spans) {
			const { name, kind, attributes, status, events, links } = span;
			const where = `span ${name}`;
			evidence.push([where, JSON.stringify({ name, kind, attributes, status, events, links })]);
			evidence.push([where, inspect(span, { showHidden: true, depth: 6 })]);
		}
		evidence.push(['metrics', JSON.stringify(exported.metrics)], ['metrics', inspect(exported.metrics, { showHidden: true, depth: 12 })]);
		// The channels and the exporters really saw the run.
		const channelsSeen = new Set(channels.seen.map(({ channel }) => channel));
		expect([...channelsSeen].sort()).toEqual(
			[
				'tokenkeeper:api-retry',
				'tokenkeeper:lock-wait',
				'tokenkeeper:near-cache-hit',
				'tokenkeeper:store',
				'tokenkeeper:token-request',
			].sort(),
		);
		expect(exported.spans.filter((span) => span.name === 'tokenkeeper.token_request').length).toBeGreaterThan(20);
		expect(JSON.stringify(exported.metrics)).toContain('tokenkeeper.api_retries');
		for (const line of consoleLines) evidence.push(['console', line]);
		for (const warning of warnings) evidence.push(['process warning', warning]);

		// The run really went through the paths, and really learnt the secrets it searches for.
		const paths = new Set(evidence.map(([where]) => where));
		expect(paths.size).toBeGreaterThan(60);
		expect(
			[...secrets.keys()].filter((name) => /^(access token|refresh token|authorization code|code verifier)/.test(name)).length,
		).toBeGreaterThan(20);
		expect(assertionsSent, 'client assertions sent and learnt').toBeGreaterThanOrEqual(8);
		expect([...secrets.keys()].filter((name) => name.startsWith('client assertion #')).length).toBe(assertionsSent);
		expect(findSecrets(evidence, secrets)).toEqual([]);
	});
});
