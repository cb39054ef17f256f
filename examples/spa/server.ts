/**
 * `npm run example:spa`: serves the SPA on one loopback origin and the Sqowey emulator on another, so the
 * browser makes real cross-origin calls (the emulator answers CORS like a strict API).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createEmulator, type Emulator } from 'tokenkeeper/testing';
import { browserTwins } from '../../tsup.config.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundle app.ts for the browser as a user's bundler would: the package's "browser" build, split on `import()`, so
 * that the parts a page may never need (the IndexedDB store, the lock for browsers without Web Locks, DPoP) are
 * chunks the page loads when it needs them. The scripts by path: `/app.js` and its chunks.
 */
async function bundle(): Promise<Map<string, string>> {
	const result = await build({
		entryPoints: { app: `${here}app.ts` },
		bundle: true,
		format: 'esm',
		platform: 'browser',
		target: 'es2022',
		splitting: true,
		outdir: '/',
		write: false,
		minify: true,
		// Resolve 'tokenkeeper' to its source, so no build step is needed first, with the browser build's twins of the
		// modules that have one (the memory store, DPoP's redirects, the parts loaded on demand), as the package's
		// "browser" build has them.
		alias: { tokenkeeper: `${root}src/index.ts` },
		plugins: [browserTwins],
		tsconfigRaw: '{}',
	});
	return new Map(result.outputFiles.map((file) => [`/${path.basename(file.path)}`, file.text]));
}

/** Removes Web Locks before the app runs: the page behaves as one served over plain HTTP (where browsers hide them). */
const WITHOUT_WEB_LOCKS = '<script>delete Navigator.prototype.locks;</script>';

export interface SpaExample {
	readonly spaUrl: string;
	readonly emulator: Emulator;
	/** The paths of the scripts served so far, in order (`/app.js`, then the chunks pages loaded). */
	readonly scriptsServed: string[];
	close(): Promise<void>;
}

/** Start the SPA server and the emulator on two loopback origins. */
export async function startSpaExample(options: { port?: number } = {}): Promise<SpaExample> {
	const [scripts, page] = await Promise.all([bundle(), readFile(`${here}index.html`, 'utf8')]);
	const scriptsServed: string[] = [];
	let html = page;
	const server = http.createServer((request, response) => {
		const url = new URL(request.url ?? '/', 'http://x');
		const script = scripts.get(url.pathname);
		if (script !== undefined) {
			scriptsServed.push(url.pathname);
			response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(script);
			return;
		}
		if (url.pathname === '/' || url.pathname === '/callback') {
			// `?weblocks=off`: this page without Web Locks, to see (and test) the lock that takes their place.
			const served = url.searchParams.get('weblocks') === 'off' ? html.replace('<script', `${WITHOUT_WEB_LOCKS}\n\t\t<script`) : html;
			response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(served);
			return;
		}
		response.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const spaUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
	const emulator = await createEmulator({ providers: ['sqowey'], corsOrigins: [spaUrl] });
	html = page.replace(
		'<script type="module"',
		`<script>window.SQOWEY_URL = ${JSON.stringify(emulator.url)};</script>\n\t\t<script type="module"`,
	);
	return {
		spaUrl,
		emulator,
		scriptsServed,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await emulator.close();
		},
	};
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const example = await startSpaExample({ port: Number(process.env.PORT ?? 5173) });
	// DPoP for a page opened with `?dpop`; a page without it still gets Bearer tokens.
	example.emulator.setDpop({});
	console.log(`SPA:      ${example.spaUrl}   (open it in a browser; ${example.spaUrl}/?dpop for DPoP-bound tokens)`);
	console.log(`provider: ${example.emulator.url}   (the Sqowey emulator, another origin)`);
	console.log('Ctrl-C to stop.');
	const stop = () => void example.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}
