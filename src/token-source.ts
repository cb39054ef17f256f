import type { TokenEndpoint } from './endpoint/index.js';
import { isOAuthError, LoginRequiredError } from './errors.js';
import { clientCredentialsGrant, forTarget, passwordGrant, refreshTokenGrant, type GrantParameters } from './grants.js';
import type { Provider } from './provider.js';
import type { SessionStore } from './session-store.js';
import { sameTokenSet } from './stores/store.js';
import { tokenOf, type TokenTarget } from './session-tokens.js';
import type { TokenSet } from './token-set.js';

/** A token request's answer, and the stored entry it takes the place of (`undefined`: none). */
export interface Obtained {
	readonly tokenSet: TokenSet;
	readonly source: 'grant' | 'refresh';
	readonly replaces: TokenSet | undefined;
}

/** What a {@link createTokenSource} works with: the session's provider, endpoint and store, and two of the manager's rules. */
export interface TokenSourceContext {
	readonly provider: Provider;
	readonly endpoint: TokenEndpoint;
	readonly session: SessionStore;
	readonly fresh: (tokenSet: TokenSet) => boolean;
	/** The error to throw when only a person can go on; it also tells the listeners. */
	readonly loginRequired: (message: string, cause?: unknown) => LoginRequiredError;
}

/**
 * Where a session's next token set comes from, once the manager has decided it needs one (inside its lock):
 * the refresh token, the primary grant, or a login's exchange. Rule 3 lives here.
 */
export function createTokenSource(context: TokenSourceContext) {
	const { provider, endpoint, session, fresh, loginRequired } = context;

	const canGrantUnattended =
		provider.primaryGrant.type === 'client_credentials' ||
		(provider.primaryGrant.type === 'password' && provider.primaryGrant.credentials !== undefined);

	// `retries` overrides the transport's for one request: a background refresh makes a single attempt.
	function requestFor(target: TokenTarget, parameters: GrantParameters, retries: number | undefined): Promise<TokenSet> {
		return endpoint.requestToken(forTarget(parameters, provider, target), { retries });
	}

	async function primaryGrant(target: TokenTarget, retries?: number): Promise<TokenSet> {
		const grant = provider.primaryGrant;
		const parameters =
			grant.type === 'password' && grant.credentials
				? passwordGrant(await grant.credentials(), target.scope)
				: clientCredentialsGrant(target.scope);
		return requestFor(target, parameters, retries);
	}

	// Rule 3: a server that does not rotate sends no refresh token; the session keeps the old one (withObtained).
	function refreshGrant(refreshToken: string, target: TokenTarget, retries?: number): Promise<TokenSet> {
		return requestFor(target, refreshTokenGrant(refreshToken, target.scope), retries);
	}

	/**
	 * Rule 3 (refresh before re-login) and rule 8 (re-read before declaring the session dead). `retries` limits the
	 * request's retries (a background refresh: none).
	 */
	async function obtain(current: TokenSet | undefined, target: TokenTarget, retries?: number, retriesAfterRotation = 1): Promise<Obtained> {
		if (current?.refreshToken !== undefined) {
			try {
				const tokenSet = await refreshGrant(current.refreshToken, target, retries);
				return { tokenSet, source: 'refresh', replaces: current };
			} catch (error) {
				// Network errors, timeouts and 5xx never cost the session its refresh token; nor does a resource the
				// server will not issue for it (`invalid_target`): the error says which.
				if (!isOAuthError(error) || !provider.isRefreshRejected(error)) throw error;
				const latest = await session.read();
				if (latest && !sameTokenSet(latest, current) && retriesAfterRotation > 0) {
					// Another tab or process rotated the refresh token while we used the old one.
					const token = tokenOf(latest, target.key);
					if (token && fresh(token)) return { tokenSet: token, source: 'refresh', replaces: latest };
					return obtain(latest, target, retries, retriesAfterRotation - 1);
				}
				await session.replace(current, undefined);
				if (!canGrantUnattended) {
					throw loginRequired(`The refresh token was refused (${error.error}). Log in again.`, error);
				}
				return { tokenSet: await primaryGrant(target, retries), source: 'grant', replaces: undefined };
			}
		} else if (!canGrantUnattended) {
			throw loginRequired(
				current ? 'The token expired and there is no refresh token: log in again.' : 'No tokens yet: log in first (or call setTokens()).',
			);
		}
		return { tokenSet: await primaryGrant(target, retries), source: 'grant', replaces: current };
	}

	/**
	 * While the store is out of reach: the primary grant, when it needs no person and rotates nothing. A refresh
	 * token is never used without the store's lock (another process may be rotating it): `undefined` then.
	 */
	async function withoutStore(target: TokenTarget): Promise<TokenSet | undefined> {
		return canGrantUnattended ? primaryGrant(target) : undefined;
	}

	/** A login's exchange: a refused code is spent, and only a new login can help. */
	async function exchange(grant: GrantParameters, current: TokenSet | undefined, signal: AbortSignal | undefined): Promise<Obtained> {
		try {
			return { tokenSet: await endpoint.requestToken(grant, { signal }), source: 'grant', replaces: current };
		} catch (error) {
			if (isOAuthError(error) && error.error === 'invalid_grant') {
				const what = grant.device_code === undefined ? 'authorization code' : 'device code';
				throw new LoginRequiredError(`The ${what} expired or was already used: log in again.`, { cause: error });
			}
			throw error;
		}
	}

	return { obtain, exchange, withoutStore };
}
