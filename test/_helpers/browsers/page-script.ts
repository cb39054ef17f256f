import { type BuildOptions, build } from 'esbuild';
import { browserTwins } from '../../../tsup.config.js';

/** A test page's script, bundled, and the files it was made of (relative to the repository). */
export interface PageScript {
	readonly script: string;
	readonly inputs: readonly string[];
}

/**
 * Bundle a test page's script (`entryPoint`, a file path) as a user's bundler makes an SPA: one ES module for browsers,
 * from tokenkeeper's sources with the browser build's twins (no Node-only code, such as mTLS's undici, reaches the page),
 * not the project's tsconfig (its `paths` would send `tokenkeeper` to src/). `options` adds to or replaces these.
 */
export async function bundlePage(entryPoint: string, options: BuildOptions = {}): Promise<PageScript> {
	const bundled = await build({
		entryPoints: [entryPoint],
		bundle: true,
		format: 'esm',
		platform: 'browser',
		target: 'es2022',
		write: false,
		metafile: true,
		logLevel: 'silent',
		plugins: [browserTwins],
		tsconfigRaw: '{}',
		...options,
	});
	return { script: bundled.outputFiles![0]!.text, inputs: Object.keys(bundled.metafile!.inputs) };
}
