/**
 * What a browser bundle weighs with tokenkeeper's SPA entry points, beside its peers' typical entries: each bundled by
 * esbuild (minified, browser platform, ESM), then gzip level 9, the way test/package/size.test.ts measures tokenkeeper.
 * The peers are installed from the npm registry into a temp dir (`npm install --no-save --prefix <dir>`, no install
 * scripts), removed on any exit. tokenkeeper is measured as built (`npm run build` first), through its package exports
 * with the "browser" condition.
 *
 * Options: `--install-timeout 300` (seconds for `npm install`).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { numberOption } from './lib/args.js';
import { describeMachine } from './lib/environment.js';
import { startWatchdog, temporaryDirectory } from './lib/lifecycle.js';
import { printTable } from './lib/table.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { 'install-timeout': { type: 'string', default: '300' } } });
const installTimeout = numberOption('install-timeout', args['install-timeout'], 1) * 1000;

/** A bundle to measure: what an app imports, and from where it resolves. */
interface Entry {
	readonly name: string;
	/** The package whose installed version is printed; `undefined` for tokenkeeper itself. */
	readonly pkg?: string;
	readonly code: string;
}

const PEERS: readonly Entry[] = [
	{ name: 'oidc-client-ts UserManager', pkg: 'oidc-client-ts', code: "export { UserManager } from 'oidc-client-ts';" },
	{
		name: '@auth0/auth0-spa-js createAuth0Client',
		pkg: '@auth0/auth0-spa-js',
		code: "export { createAuth0Client } from '@auth0/auth0-spa-js';",
	},
	{
		name: '@azure/msal-browser PublicClientApplication',
		pkg: '@azure/msal-browser',
		code: "export { PublicClientApplication } from '@azure/msal-browser';",
	},
	{ name: 'keycloak-js (default export)', pkg: 'keycloak-js', code: "export { default } from 'keycloak-js';" },
	{
		name: '@badgateway/oauth2-client OAuth2Client',
		pkg: '@badgateway/oauth2-client',
		code: "export { OAuth2Client } from '@badgateway/oauth2-client';",
	},
	{ name: 'ky (default export)', pkg: 'ky', code: "export { default } from 'ky';" },
];

const TOKENKEEPER: readonly Entry[] = [
	{
		name: 'tokenkeeper SPA: createAuthorizationCodeFlow + createClient + sqowey (ky included)',
		code: "export { createAuthorizationCodeFlow, createClient, sqowey } from 'tokenkeeper';",
	},
	{
		name: 'tokenkeeper SPA: createAuthorizationCodeFlow + authFetch + sqowey',
		code: "export { createAuthorizationCodeFlow, authFetch, sqowey } from 'tokenkeeper';",
	},
	{ name: 'tokenkeeper/pkce', code: "export * from 'tokenkeeper/pkce';" },
];

/** Minified and gzip -9 bytes of `code` bundled for browsers, resolving from `resolveDir`. */
async function measure(code: string, resolveDir: string): Promise<{ min: number; gzip: number }> {
	const result = await build({
		stdin: { contents: code, resolveDir, loader: 'js' },
		bundle: true,
		minify: true,
		format: 'esm',
		platform: 'browser',
		write: false,
		logLevel: 'silent',
		// As an app's bundler sees a package: through its exports, not through this repository's tsconfig paths.
		tsconfigRaw: '{}',
	});
	const text = result.outputFiles[0]!.text;
	return { min: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function installedVersion(directory: string, pkg: string): string {
	const manifest = join(directory, 'node_modules', pkg, 'package.json');
	return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : '?';
}

if (!existsSync(join(root, 'dist', 'index.browser.js'))) {
	console.error('peer-sizes: dist/ is missing; run `npm run build` first');
	process.exit(1);
}
// npm install, then a few seconds of bundling: far past that, something hangs.
startWatchdog(installTimeout + 120_000, 'peer-sizes');

const directory = temporaryDirectory('peers');
console.log(describeMachine());
console.log(`installing ${PEERS.map((peer) => peer.pkg).join(', ')} from the registry into a temp dir…`);
await promisify(execFile)(
	'npm',
	[
		'install',
		'--no-save',
		'--prefix',
		directory,
		'--ignore-scripts',
		'--no-audit',
		'--no-fund',
		'--loglevel=error',
		...PEERS.map((peer) => peer.pkg!),
	],
	{ timeout: installTimeout, maxBuffer: 16 * 1024 * 1024 },
);

const rows: string[][] = [];
for (const entry of TOKENKEEPER) {
	const { min, gzip } = await measure(entry.code, root);
	rows.push([entry.name, 'this tree', kb(min), kb(gzip), String(gzip)]);
}
for (const peer of PEERS) {
	const { min, gzip } = await measure(peer.code, directory);
	rows.push([peer.name, installedVersion(directory, peer.pkg!), kb(min), kb(gzip), String(gzip)]);
}
console.log('\nesbuild --bundle --minify --platform=browser --format=esm, then gzip -9:\n');
printTable(['bundle', 'version', 'min', 'min+gz', 'gz bytes'], rows);
