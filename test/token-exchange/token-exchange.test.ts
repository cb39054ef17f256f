import { createHash } from 'node:crypto';
import { HttpResponse } from 'msw';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { clientSecretJwt, createTokenExchange, isOAuthError, type TokenExchangeOptions } from '../../src/index.js';
import { exchangeCacheKey } from '../../src/token-exchange/cache-key.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { createTokenEndpoint, SECRET, startMockServer, TOKEN_URL } from '../_helpers/token-server.js';

const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => endpoint.reset());

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT = 'user-access-token-SUBJECT-7d1e';

/** An unsigned JWT with these claims: the exchange reads `exp` without verifying anything. */
function jwt(claims: Record<string, unknown>): string {
	const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
	return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function exchangeWith(options: TokenExchangeOptions = {}, clock = createClock()) {
	return createTokenExchange(testProvider(), { ...FAST, now: clock.now, ...options });
}

describe('the token exchange request (RFC 8693 2.1)', () => {
	it('sends the grant, the subject token with its default type, the target and the client credentials', async () => {
		const exchange = exchangeWith({ audience: 'orders-api', resource: 'https://orders.test/', scope: ['orders:read', 'orders:write'] });
		const tokenSet = await exchange.getToken({ subjectToken: SUBJECT });
		expect(tokenSet).toMatchObject({ accessToken: 'access-1', tokenType: 'Bearer' });
		expect(endpoint.seen).toHaveLength(1);
		expect(endpoint.seen[0]!.params).toEqual({
			grant_type: GRANT,
			subject_token: SUBJECT,
			subject_token_type: ACCESS_TOKEN_TYPE,
			audience: 'orders-api',
			resource: 'https://orders.test/',
			scope: 'orders:read orders:write',
			client_id: 'app:client',
			client_secret: SECRET,
		});
	});

	it('sends the actor token with its type (default access_token), requested_token_type and a given subject_token_type', async () => {
		const exchange = exchangeWith({ requestedTokenType: 'urn:ietf:params:oauth:token-type:jwt' });
		await exchange.getToken({
			subjectToken: SUBJECT,
			subjectTokenType: 'urn:ietf:params:oauth:token-type:id_token',
			actorToken: 'ACTOR-tok',
		});
		expect(endpoint.seen[0]!.params).toMatchObject({
			subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
			actor_token: 'ACTOR-tok',
			actor_token_type: ACCESS_TOKEN_TYPE,
			requested_token_type: 'urn:ietf:params:oauth:token-type:jwt',
		});
		expect(endpoint.seen[0]!.params).not.toHaveProperty('audience');
		expect(endpoint.seen[0]!.params).not.toHaveProperty('resource');
	});

	it('names the resource as the provider does (resourceParameter: audience)', async () => {
		const exchange = createTokenExchange(testProvider({ resourceParameter: 'audience' }), { ...FAST, resource: 'https://orders.test/' });
		await exchange.getToken({ subjectToken: SUBJECT });
		expect(endpoint.seen[0]!.params).toMatchObject({ audience: 'https://orders.test/' });
		expect(endpoint.seen[0]!.params).not.toHaveProperty('resource');
	});

	it('refuses audience and resource together when the provider sends resource as audience', () => {
		expect(() =>
			createTokenExchange(testProvider({ resourceParameter: 'audience' }), { audience: 'a', resource: 'https://b.test/' }),
		).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
	});
});

describe('client authentication as on every token request', () => {
	it('clientAuth clientSecretJwt(): the exchange carries a fresh client assertion, and no client secret', async () => {
		const provider = testProvider({ clientAuth: clientSecretJwt({ audience: 'token-endpoint' }) });
		const exchange = createTokenExchange(provider, FAST);
		await exchange.getToken({ subjectToken: SUBJECT });
		await exchange.getToken({ subjectToken: 'another-user-token' });
		expect(endpoint.seen).toHaveLength(2);
		const assertions = endpoint.seen.map(({ params }) => {
			expect(params).toMatchObject({ grant_type: GRANT, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' });
			expect(params).not.toHaveProperty('client_secret');
			return params.client_assertion!;
		});
		const { payload } = await jwtVerify(assertions[0]!, new TextEncoder().encode(SECRET), {
			issuer: 'app:client',
			subject: 'app:client',
			audience: TOKEN_URL,
		});
		const second = await jwtVerify(assertions[1]!, new TextEncoder().encode(SECRET), { audience: TOKEN_URL });
		expect(second.payload.jti).not.toBe(payload.jti);
	});
});

describe('cache: per SHA-256 of the subject token and target', () => {
	it('a second call with the same subject token is served from the cache', async () => {
		const exchange = exchangeWith({ audience: 'orders-api' });
		const first = await exchange.getToken({ subjectToken: SUBJECT });
		const second = await exchange.getToken({ subjectToken: SUBJECT });
		expect(second.accessToken).toBe(first.accessToken);
		expect(endpoint.seen).toHaveLength(1);
	});

	it('another subject token, another actor or another exchange target each make their own request', async () => {
		const orders = exchangeWith({ audience: 'orders-api' });
		const billing = exchangeWith({ audience: 'billing-api' });
		await orders.getToken({ subjectToken: SUBJECT });
		await orders.getToken({ subjectToken: 'another-user-token' });
		await orders.getToken({ subjectToken: SUBJECT, actorToken: 'actor-1' });
		await orders.getToken({ subjectToken: SUBJECT, subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt' });
		await billing.getToken({ subjectToken: SUBJECT });
		expect(endpoint.seen).toHaveLength(5);
		await orders.getToken({ subjectToken: SUBJECT, actorToken: 'actor-1' });
		expect(endpoint.seen).toHaveLength(5);
	});

	it('the LRU bound (max) evicts the least recently used subject token', async () => {
		const exchange = exchangeWith({ max: 2 });
		await exchange.getToken({ subjectToken: 'user-a' });
		await exchange.getToken({ subjectToken: 'user-b' });
		await exchange.getToken({ subjectToken: 'user-a' });
		await exchange.getToken({ subjectToken: 'user-c' }); // evicts user-b, the least recently used
		expect(endpoint.seen).toHaveLength(3);
		await exchange.getToken({ subjectToken: 'user-a' });
		expect(endpoint.seen).toHaveLength(3);
		await exchange.getToken({ subjectToken: 'user-b' });
		expect(endpoint.seen).toHaveLength(4);
	});

	it('an exchanged token is not served within the leeway of its own expiry', async () => {
		const clock = createClock();
		const exchange = exchangeWith({ leeway: 30_000 }, clock);
		await exchange.getToken({ subjectToken: SUBJECT });
		clock.advance(3600_000 - 31_000);
		await exchange.getToken({ subjectToken: SUBJECT });
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(2_000);
		await exchange.getToken({ subjectToken: SUBJECT });
		expect(endpoint.seen).toHaveLength(2);
	});

	it("an exchanged token is never served past the subject JWT's exp (minus the leeway), though it lives longer", async () => {
		const clock = createClock();
		const subjectToken = jwt({ sub: 'user-1', exp: Math.floor(clock.now() / 1000) + 120 });
		const exchange = exchangeWith({ leeway: 30_000 }, clock);
		await exchange.getToken({ subjectToken });
		clock.advance(89_000);
		await exchange.getToken({ subjectToken });
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(2_000); // 91 s: within 30 s of the subject token's expiry
		await exchange.getToken({ subjectToken });
		expect(endpoint.seen).toHaveLength(2);
	});

	it('subjectTokenExpiresAt bounds the cache of an opaque subject token', async () => {
		const clock = createClock();
		const exchange = exchangeWith({ leeway: 10_000 }, clock);
		await exchange.getToken({ subjectToken: SUBJECT, subjectTokenExpiresAt: clock.now() + 60_000 });
		clock.advance(49_000);
		await exchange.getToken({ subjectToken: SUBJECT });
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(2_000);
		await exchange.getToken({ subjectToken: SUBJECT });
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a subject token already within the leeway of its expiry: the exchanged token is returned, not kept', async () => {
		const clock = createClock();
		const subjectToken = jwt({ exp: Math.floor(clock.now() / 1000) + 10 });
		const exchange = exchangeWith({}, clock);
		await exchange.getToken({ subjectToken });
		await exchange.getToken({ subjectToken });
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('single flight', () => {
	it('20 concurrent calls for one subject token make 1 request', async () => {
		const exchange = exchangeWith({ audience: 'orders-api' });
		const tokenSets = await Promise.all(Array.from({ length: 20 }, () => exchange.getToken({ subjectToken: SUBJECT })));
		expect(endpoint.seen).toHaveLength(1);
		expect(new Set(tokenSets.map((tokenSet) => tokenSet.accessToken))).toEqual(new Set(['access-1']));
	});

	it('an aborted caller stops waiting; the others get the shared answer', async () => {
		const exchange = exchangeWith();
		const controller = new AbortController();
		const aborted = exchange.getToken({ subjectToken: SUBJECT, signal: controller.signal });
		const other = exchange.getToken({ subjectToken: SUBJECT });
		controller.abort(new Error('caller gave up'));
		await expect(aborted).rejects.toThrow('caller gave up');
		expect((await other).accessToken).toBe('access-1');
		expect(endpoint.seen).toHaveLength(1);
	});
});

describe('errors', () => {
	it('invalid_grant is an OAuthError, nothing is cached, and the next call asks again', async () => {
		endpoint.respond(
			() => HttpResponse.json({ error: 'invalid_grant', error_description: `subject_token ${SUBJECT} is expired` }, { status: 400 }),
			() => endpoint.issue(),
		);
		const exchange = exchangeWith();
		const error = await exchange.getToken({ subjectToken: SUBJECT }).catch((caught: unknown) => caught);
		expect(isOAuthError(error)).toBe(true);
		expect(error).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_grant', status: 400 });
		const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
		expect(text).not.toContain(SUBJECT);
		expect((await exchange.getToken({ subjectToken: SUBJECT })).accessToken).toBe('access-1');
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a missing subject token is an InvalidOptionError that shows no value', async () => {
		const exchange = exchangeWith();
		await expect(exchange.getToken({ subjectToken: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
	});

	it('no subject or actor token in the cache key: their SHA-256 stands in, one key per token', async () => {
		const target = {
			audience: 'orders-api',
			resource: undefined,
			scope: undefined,
			requestedTokenType: undefined,
			subjectTokenType: ACCESS_TOKEN_TYPE,
			actorToken: 'ACTOR-secret-tok',
			actorTokenType: ACCESS_TOKEN_TYPE,
		};
		const key = await exchangeCacheKey(SUBJECT, target);
		expect(key).not.toContain(SUBJECT);
		expect(key).not.toContain('ACTOR-secret-tok');
		expect(key).toContain(createHash('sha256').update(SUBJECT).digest('base64url'));
		expect(await exchangeCacheKey(`${SUBJECT}x`, target)).not.toBe(key);
		expect(await exchangeCacheKey(SUBJECT, { ...target, actorToken: undefined, actorTokenType: undefined })).not.toBe(key);
	});
});
