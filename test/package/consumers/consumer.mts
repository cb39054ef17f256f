// An ES module of a TypeScript project (`module` node16 or nodenext, `skipLibCheck` off): tokenkeeper's types come
// from the .d.ts files.
import type { KyInstance, Options } from 'ky';
import {
	createClient,
	createTokenManager,
	isOAuthError,
	isTokenkeeperError,
	OAuthError,
	squidex,
	type TokenManager,
	type TokenSet,
} from 'tokenkeeper';
import { defaultSessionDir, FileTokenStore } from 'tokenkeeper/file';
import { instrument } from 'tokenkeeper/otel';
import { computeCodeChallenge } from 'tokenkeeper/pkce';
import { RedisTokenStore, type RedisTokenStoreOptions } from 'tokenkeeper/redis';
import type { Emulator } from 'tokenkeeper/testing';

const hooks: Options['hooks'] = {
	beforeRequest: [
		(request) => {
			request.headers.set('x-request-id', '1');
		},
	],
};
const store = new FileTokenStore({ dir: defaultSessionDir({ TOKENKEEPER_HOME: '/tmp/tokenkeeper-consumer' }) });
const tokens: TokenManager = createTokenManager(squidex({ url: 'http://127.0.0.1:7357', clientId: 'a:b', clientSecret: 's' }), { store });
export const api: KyInstance = createClient({ prefixUrl: 'http://127.0.0.1:7357/api/', auth: tokens, hooks });

const redisOptions: RedisTokenStoreOptions = { keyPrefix: 'consumer:' };
export const shared = new RedisTokenStore({ url: 'redis://127.0.0.1:6379' }, redisOptions);
export const stop: () => void = instrument();

export async function expiry(): Promise<number | undefined> {
	const set: TokenSet = await tokens.getToken();
	// @ts-expect-error `expiresAt` may be undefined: a token response need not say when the token expires.
	const always: number = set.expiresAt;
	void always;
	return set.expiresAt;
}

export function describe(error: unknown): string {
	if (error instanceof OAuthError) return `${error.code} ${error.error}`;
	if (isOAuthError(error)) return error.error;
	return isTokenkeeperError(error) ? error.code : 'not tokenkeeper';
}

export async function challenge(emulator: Emulator): Promise<string> {
	return `${emulator.url} ${await computeCodeChallenge('verifier')}`;
}
