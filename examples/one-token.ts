/**
 * A script that needs one token now: print it for curl, or use it directly.
 *
 *   npm run example:token                   # against a local emulator (no account, no network)
 *   SQUIDEX_URL=https://cloud.squidex.io SQUIDEX_CLIENT_ID=app:client TOKENKEEPER_CLIENT_SECRET=… npm run example:token
 */
import { createTokenManager, squidex } from 'tokenkeeper';
import { createEmulator } from 'tokenkeeper/testing';

const emulator = process.env.SQUIDEX_URL ? undefined : await createEmulator();
try {
	const tokens = createTokenManager(
		squidex(
			emulator?.credentials.squidex ?? {
				url: process.env.SQUIDEX_URL,
				clientId: process.env.SQUIDEX_CLIENT_ID ?? '',
				clientSecret: process.env.TOKENKEEPER_CLIENT_SECRET ?? '',
			},
		),
	);
	const { accessToken, expiresAt } = await tokens.getToken();
	console.error(expiresAt === undefined ? 'token without expiry' : `token valid until ${new Date(expiresAt).toISOString()}`);
	console.log(accessToken);
} catch (error) {
	console.error(String(error));
	process.exitCode = 1;
} finally {
	await emulator?.close();
}
