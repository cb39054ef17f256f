/**
 * A Node backend calling a Squidex-style API with client credentials.
 *
 *   npm run example:squidex                 # against a local emulator (no account, no network)
 *   SQUIDEX_URL=https://cloud.squidex.io SQUIDEX_CLIENT_ID=app:client TOKENKEEPER_CLIENT_SECRET=… npm run example:squidex
 */
import { pathToFileURL } from 'node:url';
import { createClient, createTokenManager, squidex } from 'tokenkeeper';
import { createEmulator } from 'tokenkeeper/testing';

export interface SquidexBackendConfig {
	readonly url: string;
	readonly clientId: string;
	readonly clientSecret: string;
	readonly app?: string;
}

interface SchemaList {
	readonly items: ReadonlyArray<{ readonly name: string }>;
}

/** The backend's Squidex access: one per process, created at start-up, shared by every request handler. */
export function createSquidexBackend(config: SquidexBackendConfig) {
	const tokens = createTokenManager(squidex({ url: config.url, clientId: config.clientId, clientSecret: config.clientSecret }));
	const api = createClient({ prefixUrl: `${config.url}/api/`, auth: tokens });
	const app = config.app ?? 'food-crunch';
	return {
		tokens,
		listSchemas: () => api.get(`apps/${app}/schemas`).json<SchemaList>(),
	};
}

async function main(): Promise<void> {
	const secret = process.env.TOKENKEEPER_CLIENT_SECRET;
	const emulator = process.env.SQUIDEX_URL ? undefined : await createEmulator();
	const config: SquidexBackendConfig = emulator
		? emulator.credentials.squidex
		: { url: process.env.SQUIDEX_URL!, clientId: process.env.SQUIDEX_CLIENT_ID ?? '', clientSecret: secret ?? '' };
	try {
		const backend = createSquidexBackend(config);
		const schemas = await backend.listSchemas();
		console.log(`schemas of ${config.url}: ${schemas.items.map((schema) => schema.name).join(', ')}`);
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
