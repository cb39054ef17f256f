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
 * exit 1 with the exact `login` command that starts one.
 */
export async function printSessionToken(
	context: CliContext,
	query: LoginQuery,
	options: { readonly format: TokenFormat; readonly timeout: number | undefined },
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
		printTokenSet(context.stdout, await manager.getToken(), options.format);
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
