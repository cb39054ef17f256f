/**
 * A Node backend calling a Dotkernel API as a user: password grant once, then rotating refresh tokens.
 * Dotkernel answers an expired token with 403; tokenkeeper refreshes once and retries once.
 *
 *   npm run example:dotkernel               # against a local emulator (no account, no network)
 *   DOTKERNEL_URL=https://api.example.net DOTKERNEL_USERNAME=… TOKENKEEPER_PASSWORD=… npm run example:dotkernel
 */
import { pathToFileURL } from 'node:url';
import { createClient, createTokenManager, dotkernel } from 'tokenkeeper';
import { createEmulator } from 'tokenkeeper/testing';

export interface DotkernelBackendConfig {
	readonly url: string;
	readonly clientId: string;
	readonly clientSecret: string;
	readonly username: string;
	/** Read when a password grant is needed, never kept by tokenkeeper: here from the environment. */
	readonly readPassword: () => Promise<string>;
}

/** The backend's Dotkernel access: one per process and user session. */
export function createDotkernelBackend(config: DotkernelBackendConfig) {
	const tokens = createTokenManager(
		dotkernel({
			url: config.url,
			clientId: config.clientId,
			clientSecret: config.clientSecret,
			credentials: async () => ({ username: config.username, password: await config.readPassword() }),
		}),
	);
	const api = createClient({ prefixUrl: `${config.url}/`, auth: tokens });
	return { tokens, myAccount: () => api.get('user/my-account').json<{ identity: string; roles: Array<{ name: string }> }>() };
}

async function main(): Promise<void> {
	const emulator = process.env.DOTKERNEL_URL ? undefined : await createEmulator();
	const demo = emulator?.credentials.dotkernel;
	const config: DotkernelBackendConfig = {
		url: demo?.url ?? process.env.DOTKERNEL_URL!,
		clientId: demo?.clientId ?? process.env.DOTKERNEL_CLIENT_ID ?? 'frontend',
		clientSecret: demo?.clientSecret ?? process.env.TOKENKEEPER_CLIENT_SECRET ?? 'frontend',
		username: demo?.username ?? process.env.DOTKERNEL_USERNAME ?? '',
		readPassword: async () => demo?.password ?? process.env.TOKENKEEPER_PASSWORD ?? '',
	};
	try {
		const backend = createDotkernelBackend(config);
		backend.tokens.on('token', ({ source }) => console.log(`new token set (${source})`));
		console.log('my account:', await backend.myAccount());
		if (emulator) {
			emulator.expireAllTokens();
			console.log('the emulator expired every access token: the next call gets 403, refreshes once, retries once');
			console.log('my account:', await backend.myAccount());
			const { tokenRequests, refreshTokenReuse } = emulator.counters();
			console.log(
				`password grants: ${tokenRequests.password}, refreshes: ${tokenRequests.refresh_token}, refresh-token reuse: ${refreshTokenReuse}`,
			);
		}
	} finally {
		await emulator?.close();
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch((error: unknown) => {
		console.error(String(error));
		process.exitCode = 1;
	});
}
