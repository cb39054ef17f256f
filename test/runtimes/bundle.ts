import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

/** How a runtime loads the scenario, and so how it is built. */
export type Flavor = 'node' | 'deno' | 'workerd';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** A built scenario, and the files of this package it bundled (dist/ only, if resolution went right). */
export interface BuiltScenario {
	readonly file: string;
	/** Paths from the package root, of files under dist/ or src/ that went into the bundle (none for `node`). */
	readonly bundled: readonly string[];
}

/**
 * Per flavor: what a user of that runtime gets from `import … from 'tokenkeeper'`. Every flavor resolves `tokenkeeper`
 * through package.json's exports to dist/, the build users get (the repo's tsconfig maps it to src/ for the type
 * checker, so esbuild is kept from reading it).
 * - node (Node 22 and 24, Bun): only the scenario's own files are bundled; `tokenkeeper` stays an import, resolved
 *   at run time by the runtime itself (a self-reference, since the output sits inside this package), as installed.
 * - deno: one file, resolved with Deno's npm conditions (`deno`, `node`, `import`): dist/index.js.
 * - workerd: a Worker module, with wrangler's conditions (`workerd`, `worker`, `browser`): dist/index.browser.js.
 */
const FLAVORS: Record<Flavor, { entry: string; options: BuildOptions }> = {
	node: {
		entry: 'entry-cli.ts',
		options: { platform: 'node', external: ['tokenkeeper', 'tokenkeeper/*'], define: { SCENARIO_RESOLVES_AT_RUN_TIME: 'true' } },
	},
	// Deno serves `node:` built-ins itself (lru-cache's node build imports node:diagnostics_channel).
	deno: {
		entry: 'entry-cli.ts',
		options: {
			platform: 'neutral',
			conditions: ['deno', 'node'],
			mainFields: ['module', 'main'],
			external: ['node:*'],
			define: { SCENARIO_RESOLVES_AT_RUN_TIME: 'false' },
		},
	},
	workerd: {
		entry: 'entry-worker.ts',
		options: { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['browser', 'module', 'main'] },
	},
};

/** Builds the scenario for `flavor` into `outdir` (inside this package, see above). */
export async function bundleScenario(flavor: Flavor, outdir: string): Promise<BuiltScenario> {
	const { entry, options } = FLAVORS[flavor];
	const outfile = join(outdir, `scenario.${flavor}.mjs`);
	// Bun, like esbuild, applies the nearest tsconfig's `paths` at run time: the repo's would send it to src/.
	writeFileSync(join(outdir, 'tsconfig.json'), '{}\n');
	const { metafile } = await build({
		entryPoints: [join(here, entry)],
		outfile,
		bundle: true,
		format: 'esm',
		target: 'es2022',
		tsconfigRaw: {},
		// Input paths in the metafile are then relative to the package root.
		absWorkingDir: root,
		logLevel: 'silent',
		metafile: true,
		...options,
	});
	const bundled = Object.keys(metafile?.inputs ?? {}).filter((input) => /^(dist|src)\//.test(input));
	return { file: outfile, bundled };
}
