import { createTokenManager, isLoginRequiredError } from '../../index.js';
import { CliError } from '../cli-error.js';
import { importSessionKey } from '../dpop-keys.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printTokenSet, type TokenFormat } from '../output.js';
import { findLogin, type LoginQuery } from '../session-lookup.js';
import { openSessionStore } from '../sessions.js';

/**
 * Print a fresh access token from the session a `login` stored: refreshed (with rotation, under the sessions' file
 * lock, so concurrent runs make one refresh) when needed. No session (see {@link findLogin}), or one that ended, is
 * exit 1 with the exact `login` command that starts one. With `resource`, the session's token for that API: kept in
 * its file beside the others, or got by refresh (a server's `invalid_target` ends the run, not the session).
 */
export async function printSessionToken(
	context: CliContext,
	query: LoginQuery,
	options: { readonly format: TokenFormat; readonly timeout: number | undefined; readonly resource?: string | undefined },
): Promise<ExitCode> {
	const store = openSessionStore(context);
	const { provider, key, loginCommand } = await findLogin(store, query);
	// A `--dpop` login kept its key with the session: its refreshes are signed with it.
	const jwk = await store.getDpopKey(key);
	const dpop = jwk && { keyPair: await importSessionKey(jwk) };
	// No refresh-ahead: a script's run ends when it has printed, with no request left behind it.
	const manager = createTokenManager(provider, {
		store,
		key,
		timeout: options.timeout,
		refreshAhead: 0,
		storeFailure: 'fail',
		dpop,
		fetch: context.requests.fetch,
	});
	try {
		// The login's session, whatever the API: a token for `resource` is one more of its tokens, from its refresh token.
		printTokenSet(context.stdout, await manager.getToken({ resource: options.resource }), options.format);
	} catch (error) {
		if (isLoginRequiredError(error)) {
			throw new CliError(`The stored session has ended (${error.message}): log in again with \`${loginCommand}\``, ExitCode.Refused, {
				cause: error,
			});
		}
		throw error;
	}
	return ExitCode.Ok;
}
