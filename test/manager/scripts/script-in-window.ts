/**
 * A script as a user writes one: it gets a token and is done. Its token is inside the refresh-ahead window, so the
 * read starts a background refresh; the test measures how long that keeps the process alive.
 * argv: token endpoint URL, request timeout (ms).
 */
import { createTokenManager, oauth2 } from '../../../src/index.js';

const [tokenEndpoint, timeout] = process.argv.slice(2);
const manager = createTokenManager(oauth2({ tokenEndpoint: tokenEndpoint!, clientId: 'script', clientSecret: 'secret' }), {
	timeout: Number(timeout),
});
const now = Date.now();
// Fresh for 15 s more (30 s leeway), inside the 30 s refresh-ahead window.
await manager.setTokens({ accessToken: 'in-the-window', expiresAt: now + 45_000, receivedAt: now - 3_600_000 });
const tokenSet = await manager.getToken();
process.stdout.write(`${JSON.stringify({ token: tokenSet.accessToken, at: Date.now() })}\n`);
