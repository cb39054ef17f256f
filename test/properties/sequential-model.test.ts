import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenManager, ErrorCode, isTokenkeeperError, oauth2, type TokenManager } from '../../src/index.js';
import { createClock } from '../_helpers/manager.js';
import { createModelServer, type ModelFault, type ModelServer } from '../_helpers/model-server.js';
import { expectNoLeftoverResourcesAfterEachTest } from '../_helpers/resources.js';

/**
 * The manager's rules as an exact model (fast-check commands): after each random command, the number of token
 * requests the server saw and the token the caller got are exactly what the rules predict.
 * Rule 1: a fresh cached token costs no request (fresh = more than 30 s, or half the lifetime, before expiry).
 * Rule 3: with a refresh token, refresh; rotate; a refused refresh drops the session and falls back to the grant
 * only when no person is needed, else LoginRequiredError. Rule 4: invalidating the current token costs one new
 * token; invalidating another one changes nothing. Rule 6: transient failures keep the session (no retries here).
 * Rule 8: after clear(), a session that needs a person throws LoginRequiredError until setTokens(); one that needs no
 * person (client credentials) asks the server again. Rule 9: time is the injected clock, in both directions.
 */

const HOUR = 3_600_000;
const LEEWAY = 30_000;
const RUNS = Number(process.env.TOKENKEEPER_PROPERTY_RUNS ?? 150);

interface ModelToken {
	readonly index: number;
	readonly receivedAt: number;
	expiresAt: number;
	readonly hasRefresh: boolean;
}

interface Model {
	readonly unattended: boolean;
	now: number;
	cleared: boolean;
	token: ModelToken | undefined;
	/** Whether the server still accepts the current refresh token. */
	refreshAlive: boolean;
	faults: ModelFault[];
	requests: number;
}

interface Real {
	readonly manager: TokenManager;
	readonly server: ModelServer;
	readonly clock: ReturnType<typeof createClock>;
}

function isFresh(token: ModelToken, now: number): boolean {
	const lifetime = token.expiresAt - token.receivedAt;
	return now < token.expiresAt - Math.min(LEEWAY, Math.max(0, lifetime / 2));
}

/** What a getToken() should end with: a token number, or an error code. */
type Expected = { readonly index: number } | { readonly code: string };

function check(model: Model, real: Real) {
	expect(real.server.stats.requests).toBe(model.requests);
	expect(real.server.stats).toMatchObject({ reuse: 0, unknown: 0 });
}

/** One token request of the model: a fault, or a new token numbered like the server's next one. */
function modelRequest(model: Model, real: Real, kind: 'refresh' | 'grant'): Expected | 'refused' {
	model.requests += 1;
	const fault = model.faults.shift();
	if (fault === 'unavailable') return { code: ErrorCode.TokenResponse };
	if (fault === 'network') return { code: ErrorCode.Network };
	if (kind === 'refresh' && (fault === 'refuse' || !model.refreshAlive)) return 'refused';
	if (kind === 'grant' && fault === 'refuse') return { code: ErrorCode.OAuth };
	const index = real.server.stats.newest + 1;
	model.token = { index, receivedAt: model.now, expiresAt: model.now + HOUR, hasRefresh: true };
	model.refreshAlive = true;
	return { index };
}

/** What getToken() does, per the rules. */
function expectedGetToken(model: Model, real: Real, force: boolean): Expected {
	if (model.cleared) return { code: ErrorCode.LoginRequired };
	const token = model.token;
	if (token && isFresh(token, model.now) && !force) return { index: token.index };
	if (token?.hasRefresh) {
		const refreshed = modelRequest(model, real, 'refresh');
		if (refreshed !== 'refused') return refreshed;
		model.token = undefined;
		if (!model.unattended) return { code: ErrorCode.LoginRequired };
		return modelRequest(model, real, 'grant') as Expected;
	}
	if (!model.unattended) return { code: ErrorCode.LoginRequired };
	return modelRequest(model, real, 'grant') as Expected;
}

class GetToken implements fc.AsyncCommand<Model, Real> {
	constructor(readonly force: boolean) {}
	check = () => true;
	async run(model: Model, real: Real) {
		const expected = expectedGetToken(model, real, this.force);
		const got = await real.manager.getToken({ forceRefresh: this.force }).then(
			(tokenSet) => ({ index: real.server.indexOf(tokenSet.accessToken) }),
			(error: unknown) => ({ code: isTokenkeeperError(error) ? error.code : String(error) }),
		);
		expect(got).toEqual(expected);
		check(model, real);
	}
	toString = () => `getToken(${this.force ? '{ forceRefresh: true }' : ''})`;
}

class Invalidate implements fc.AsyncCommand<Model, Real> {
	constructor(readonly which: 'current' | 'older') {}
	check = () => true;
	async run(model: Model, real: Real) {
		const current = model.token;
		const index = this.which === 'current' ? current?.index : (current?.index ?? 1) - 1;
		const dropped = await real.manager.invalidate(`AT-${index ?? 0}`);
		const expected = this.which === 'current' && current !== undefined;
		expect(dropped).toBe(expected);
		if (expected) current.expiresAt = 0;
		check(model, real);
	}
	toString = () => `invalidate(${this.which})`;
}

class MoveClock implements fc.AsyncCommand<Model, Real> {
	constructor(readonly ms: number) {}
	check = () => true;
	async run(model: Model, real: Real) {
		model.now += this.ms;
		real.clock.advance(this.ms);
	}
	toString = () => `clock ${this.ms >= 0 ? '+' : ''}${this.ms} ms`;
}

class Fault implements fc.AsyncCommand<Model, Real> {
	constructor(readonly fault: ModelFault) {}
	check = () => true;
	async run(model: Model, real: Real) {
		model.faults.push(this.fault);
		real.server.fail(this.fault);
	}
	toString = () => `next request: ${this.fault}`;
}

class Revoke implements fc.AsyncCommand<Model, Real> {
	check = () => true;
	async run(model: Model, real: Real) {
		model.refreshAlive = false;
		real.server.revokeAll();
	}
	toString = () => 'server revokes the refresh token';
}

class Clear implements fc.AsyncCommand<Model, Real> {
	check = () => true;
	async run(model: Model, real: Real) {
		// Only a session that needs a person stays shut; a machine's next read asks the server (a new grant).
		model.cleared = !model.unattended;
		model.token = undefined;
		await real.manager.clear();
		check(model, real);
	}
	toString = () => 'clear()';
}

class SetTokens implements fc.AsyncCommand<Model, Real> {
	constructor(readonly fresh: boolean) {}
	check = () => true;
	async run(model: Model, real: Real) {
		const session = real.server.mintSession();
		model.cleared = false;
		model.token = {
			index: real.server.indexOf(session.accessToken),
			receivedAt: model.now,
			expiresAt: model.now + (this.fresh ? HOUR : 0),
			hasRefresh: true,
		};
		model.refreshAlive = true;
		await real.manager.setTokens({ ...session, expiresIn: this.fresh ? 3600 : 0 });
		check(model, real);
	}
	toString = () => `setTokens(${this.fresh ? 'fresh' : 'expired'})`;
}

const commands = [
	fc.boolean().map((force) => new GetToken(force)),
	fc.constant(new GetToken(false)),
	fc.constantFrom('current', 'older').map((which) => new Invalidate(which as 'current' | 'older')),
	fc.constantFrom(-HOUR, 1_000, HOUR - LEEWAY - 1, HOUR - LEEWAY + 1, 2 * HOUR).map((ms) => new MoveClock(ms)),
	fc.constantFrom<ModelFault>('unavailable', 'network', 'refuse').map((fault) => new Fault(fault)),
	fc.constant(new Revoke()),
	fc.constant(new Clear()),
	fc.boolean().map((fresh) => new SetTokens(fresh)),
];

expectNoLeftoverResourcesAfterEachTest();

describe.each([
	['client credentials', true],
	['authorization code', false],
] as const)('the rules as an exact model, %s', (_name, unattended) => {
	it('after any sequence of commands: exactly the predicted token requests, and exactly the predicted token or error code', async () => {
		await fc.assert(
			fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (sequence) => {
				const clock = createClock();
				const server = createModelServer();
				const provider = unattended
					? oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', clientSecret: 'model-secret', clientAuth: 'body' })
					: oauth2({ tokenEndpoint: 'https://model.test/token', clientId: 'c', grant: 'authorization_code' });
				// The model predicts the requests reads cause; refresh-ahead's background ones have tests of their own.
				const manager = createTokenManager(provider, { fetch: server.fetch, now: clock.now, retry: 0, timeout: 5_000, refreshAhead: 0 });
				const model: Model = {
					unattended,
					now: clock.now(),
					cleared: false,
					token: undefined,
					refreshAlive: true,
					faults: [],
					requests: 0,
				};
				await fc.asyncModelRun(() => ({ model, real: { manager, server, clock } }), sequence);
			}),
			{ numRuns: RUNS },
		);
	});
});
