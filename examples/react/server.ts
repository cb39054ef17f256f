/**
 * `npm run example:react`: the React example (examples/react, a Vite app) on one loopback origin, and the emulator's
 * OAuth2 server (an OpenID Provider) on another, so the browser makes real cross-origin calls. Vite's dev server
 * compiles the app on request; `tokenkeeper` and `tokenkeeper/react` are the built package (dist/), built first when
 * it is missing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEmulator, type Emulator } from 'tokenkeeper/testing';
import { createServer, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Build dist/ when it has no React entry (a fresh clone): the app imports the package as its users do. */
export function ensureBuilt(): void {
	if (existsSync(path.join(root, 'dist/react.js')) && existsSync(path.join(root, 'dist/index.browser.js'))) return;
	console.log('Building the package (dist/) first…');
	execFileSync(process.execPath, [path.join(root, 'node_modules/tsup/dist/cli-default.js'), '--silent'], { cwd: root, stdio: 'inherit' });
}

export interface ReactExample {
	/** The app's origin (`http://127.0.0.1:<port>`). */
	readonly url: string;
	readonly emulator: Emulator;
	close(): Promise<void>;
}

/**
 * Start Vite's dev server for the app, then the emulator with CORS for the app's origin, and put the provider's
 * issuer and client in the page (a script before the app's, set once the emulator listens).
 */
export async function startReactExample(options: { port?: number } = {}): Promise<ReactExample> {
	ensureBuilt();
	let config: { issuer: string; clientId: string } | undefined;
	const injectConfig: Plugin = {
		name: 'tokenkeeper-example-config',
		transformIndexHtml: () => [
			{ tag: 'script', children: `window.TOKENKEEPER_EXAMPLE = ${JSON.stringify(config)};`, injectTo: 'head-prepend' },
		],
	};
	const vite = await createServer({
		configFile: path.join(here, 'vite.config.ts'),
		root: here,
		// Vite's pre-bundled dependencies (react, react-dom) away from node_modules, which may be shared; one directory
		// per checkout, so that two checkouts' servers do not rewrite each other's.
		cacheDir: path.join(tmpdir(), `tokenkeeper-example-react-vite-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`),
		logLevel: 'warn',
		clearScreen: false,
		plugins: [injectConfig],
		server: {
			host: '127.0.0.1',
			port: options.port ?? 0,
			strictPort: options.port !== undefined,
			// The repo (dist/, the app) and node_modules where it really is (it may be a link to another checkout).
			fs: { allow: [root, realpathSync(path.join(root, 'node_modules'))] },
		},
	});
	try {
		await vite.listen();
	} catch (error) {
		await vite.close();
		throw error;
	}
	const address = vite.httpServer?.address();
	if (!address || typeof address === 'string') throw new Error('Vite is not listening on a TCP port');
	const url = `http://127.0.0.1:${address.port}`;
	const emulator = await createEmulator({ providers: ['oauth2'], corsOrigins: [url] });
	const { issuer, publicClientId } = emulator.credentials.oauth2;
	if (publicClientId === undefined) throw new Error("The emulator's OAuth2 server has no public client");
	config = { issuer, clientId: publicClientId };
	return {
		url,
		emulator,
		async close() {
			await Promise.all([vite.close(), emulator.close()]);
		},
	};
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const example = await startReactExample({ port: Number(process.env.PORT ?? 5174) });
	console.log(`React app: ${example.url}/   (open it in a browser)`);
	console.log(`provider:  ${example.emulator.url}   (the emulator's OAuth2 server, another origin; user oauth2-user)`);
	console.log('Ctrl-C to stop.');
	const stop = () => void example.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}
