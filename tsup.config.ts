import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { build, defineConfig, type Options } from 'tsup';
import ts from 'typescript';
import { writeCjsDeclarations } from './build/cjs-declarations.js';

const entry = {
	index: 'src/index.ts',
	pkce: 'src/pkce.ts',
	testing: 'src/testing/index.ts',
	redis: 'src/redis.ts',
	file: 'src/file.ts',
	otel: 'src/otel.ts',
	react: 'src/react/index.ts',
};

/** Twins for a build: a module `x.ts` with an `x.<build>.ts` beside it is replaced by that twin in that build. */
function twins(build: 'browser' | 'cjs'): Plugin {
	return {
		name: `tokenkeeper-${build}-twins`,
		setup(esbuild) {
			esbuild.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
				const twin = path.join(args.resolveDir, args.path.replace(/\.js$/, `.${build}.ts`));
				return existsSync(twin) ? { path: twin } : undefined;
			});
		},
	};
}

/**
 * Browser twins: the memory store without lru-cache; DPoP's redirects, which a browser will not let a script follow.
 */
export const browserTwins: Plugin = twins('browser');

/**
 * CJS twins: the loaders of optional peer dependencies (`load-api.ts`, `load-msw.ts`) await `import()` at the top of
 * their module, so that a missing one is reported where it is needed; a CJS module cannot, so its twin `require()`s.
 */
const cjsTwins: Plugin = twins('cjs');

/**
 * Modules loaded with `import()` only by the sessions that need them: DPoP (a session that sets `dpop`), the
 * IndexedDB store (a flow with `storage: 'local'`), the storage lease (a cross-tab lock without Web Locks), the tabs'
 * session channel (`storage: 'local'`), the popup login, a login's pushed authorization request (PAR), revocation (a logout), the session state (a subscriber), and OpenID Connect (ID token checks,
 * userinfo, end-session: a login with `openid`). In the browser build each is a file of its own, self-contained
 * (its few shared helpers copied in), and `index.browser.js` keeps the `import()` of it: an app's bundler then puts
 * it in a chunk loaded on demand, and an app that never needs it never loads it, with no chunk shared between them
 * to load eagerly either. Their errors are another copy of tokenkeeper's classes: the bundle that loads the login,
 * the popup and OpenID Connect rethrows them as its own (src/chunk-errors.ts), so an app's `instanceof` holds; DPoP's
 * are recognised by the guards (`isTokenkeeperError`, `code`), as an ESM and a CJS copy are. Revocation (browsers only: Node's revoke.ts imports it), as the login, is handed what it
 * sends and fails with (`revocationKit`), so the errors a logout returns are the app's own classes. The IndexedDB store takes what it needs
 * besides IndexedDB from the bundle that loads it (`indexedDbKit`), so its file holds no copies.
 */
const inBrowserStores = (file: string) => `${path.sep}stores${path.sep}browser${path.sep}${file}`;
const lazyModules = [
	{
		importer: `${path.sep}dpop${path.sep}load.ts`,
		specifier: './session-dpop.js',
		file: 'dpop.browser',
		source: 'src/dpop/session-dpop.ts',
	},
	{
		importer: inBrowserStores('indexed-db-on-demand.browser.ts'),
		specifier: './indexed-db-store.js',
		file: 'indexed-db.browser',
		source: 'src/stores/browser/indexed-db-store.ts',
	},
	{
		importer: inBrowserStores('lease-on-demand.browser.ts'),
		specifier: './lease-lock.js',
		file: 'lease-lock.browser',
		source: 'src/stores/browser/lease-lock.ts',
	},
	{
		importer: `${path.sep}session-channel-on-demand.ts`,
		specifier: './session-channel.js',
		file: 'session-channel.browser',
		source: 'src/session-channel.ts',
		node: 'session-channel',
	},
	{
		importer: `${path.sep}flow${path.sep}authorization-code-flow.ts`,
		specifier: './login-steps.js',
		file: 'login.browser',
		source: 'src/flow/login-steps.ts',
		node: 'login',
	},
	{
		importer: `${path.sep}flow${path.sep}login-steps.ts`,
		specifier: '../endpoint/pushed-authorization.js',
		file: 'par.browser',
		source: 'src/endpoint/pushed-authorization.ts',
	},
	{
		importer: `${path.sep}flow${path.sep}authorization-code-flow.ts`,
		specifier: './popup-login.js',
		file: 'popup-login.browser',
		source: 'src/flow/popup-login.ts',
		node: 'popup-login',
	},
	{
		importer: `${path.sep}flow${path.sep}session-state-on-demand.ts`,
		specifier: './session-state.js',
		file: 'session-state.browser',
		source: 'src/flow/session-state.ts',
		node: 'session-state',
	},
	{
		importer: `${path.sep}endpoint${path.sep}revoke.browser.ts`,
		specifier: './revocation.js',
		file: 'revocation.browser',
		source: 'src/endpoint/revocation.ts',
	},
	{
		importer: `${path.sep}oidc${path.sep}load.ts`,
		specifier: './openid.js',
		file: 'oidc.browser',
		source: 'src/oidc/openid.ts',
		node: 'oidc',
	},
];

/**
 * The lazy modules of a build, each loaded from its own file: `browser`, or Node's `.js` (ESM) and `.cjs` for those with
 * a `node` name. In Node's builds, a module inlined behind `import()` is wrapped in a call that a backend's bundler
 * cannot drop (`__esm`), so the login's steps, the popup, the tabs' channel and OpenID Connect are files of their own
 * there too: a backend that logs nobody in carries none of them (DPoP, which a backend may use, stays inlined).
 */
function separateLazyModules(build: 'browser' | 'js' | 'cjs'): Plugin {
	const modules = build === 'browser' ? lazyModules : lazyModules.filter((module) => module.node);
	return {
		name: `tokenkeeper-separate-lazy-modules-${build}`,
		setup(esbuild) {
			esbuild.onResolve({ filter: /\.js$/ }, (args) => {
				if (args.kind !== 'dynamic-import') return undefined;
				const lazy = modules.find(({ importer, specifier }) => args.importer.endsWith(importer) && args.path === specifier);
				if (!lazy) return undefined;
				return { path: build === 'browser' ? `./${lazy.file}.js` : `./${lazy.node}.${build}`, external: true };
			});
		},
	};
}
const nodeLazyEntries = Object.fromEntries(lazyModules.flatMap(({ node, source }) => (node ? [[node, source]] : [])));

/** The names a module imports: calls through them are what a bundler cannot judge free of side effects. */
function importedNames(file: ts.SourceFile): Set<string> {
	const names = new Set<string>();
	for (const statement of file.statements) {
		const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
		if (clause?.name) names.add(clause.name.text);
		const bindings = clause?.namedBindings;
		if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
		if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
	}
	return names;
}

/** The identifier a call chain starts from: `z` in `z.string().check(z.refine(f))`. */
function calleeRoot(expression: ts.Expression): ts.Expression {
	let node = expression;
	while (ts.isCallExpression(node) || ts.isPropertyAccessExpression(node)) node = node.expression;
	return node;
}

/**
 * Our modules have no side effects at their top level (package.json says `"sideEffects": false`), so a bundler may
 * drop any module an app does not use. The browser build is one file, which erases those boundaries: an app's bundler
 * must then keep every top-level call into a dependency, used or not — the zod schema of an endpoint step the app
 * never runs, and all of zod it needs. So in that build each top-level initializer that calls an import runs in a
 * `/* @__PURE__ *\/` arrow called at once: evaluated where it was, in the same order, and dropped when unused.
 */
function wrapPureTopLevelCalls(source: string, fileName: string): string {
	const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
	const imported = importedNames(file);
	const wrapped: ts.Expression[] = [];
	for (const statement of file.statements) {
		if (!ts.isVariableStatement(statement)) continue;
		for (const { initializer } of statement.declarationList.declarations) {
			const root = initializer && ts.isCallExpression(initializer) ? calleeRoot(initializer) : undefined;
			if (root && ts.isIdentifier(root) && imported.has(root.text)) wrapped.push(initializer!);
		}
	}
	let contents = source;
	// From the end, so that earlier offsets stay right.
	for (const initializer of wrapped.reverse()) {
		const start = initializer.getStart(file);
		contents = `${contents.slice(0, start)}/* @__PURE__ */ (() => ${contents.slice(start, initializer.end)})()${contents.slice(initializer.end)}`;
	}
	return contents;
}

/** The module of diagnostics probes (src/diagnostics/probes.ts), as its importers name it. */
const PROBES_MODULE = /(^|\/)diagnostics\/probes\.js$/;

/**
 * Browsers have no `diagnostics_channel`, so the browser build carries no diagnostics at all: not a no-op module
 * (its calls, closures and message objects would still weigh on every SPA), but the source as it was before the
 * probes went in. Each call to a probe is either a statement, removed, or a call whose last argument is a
 * parameterless arrow with an expression body, replaced by that expression; the import goes too. Any other use of a
 * probe fails the build, so the rule cannot be bent by accident.
 */
export function eraseDiagnosticsProbes(source: string, fileName: string): string {
	const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
	const probes = new Set<string>();
	const edits: { start: number; end: number; text: string }[] = [];
	for (const statement of file.statements) {
		if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
		if (!PROBES_MODULE.test(statement.moduleSpecifier.text)) continue;
		for (const name of importedNames(ts.factory.updateSourceFile(file, [statement]))) probes.add(name);
		edits.push({ start: statement.getStart(file), end: statement.end, text: '' });
	}
	if (probes.size === 0) return source;
	const fail = (node: ts.Node, why: string): never => {
		const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
		throw new Error(`${fileName}:${line + 1}: diagnostics probe ${why}`);
	};
	const visit = (node: ts.Node): void => {
		if (ts.isIdentifier(node) && probes.has(node.text)) {
			const call = node.parent;
			if (!ts.isCallExpression(call) || call.expression !== node) fail(node, `${node.text} used other than called`);
			const probe = call as ts.CallExpression;
			if (ts.isExpressionStatement(probe.parent)) {
				edits.push({ start: probe.parent.getStart(file), end: probe.parent.end, text: '' });
				return;
			}
			const last = probe.arguments.at(-1);
			if (!last || !ts.isArrowFunction(last) || last.parameters.length > 0 || ts.isBlock(last.body)) {
				fail(node, `${node.text}: neither a statement nor a call ending in \`() => expression\``);
			}
			const body = (last as ts.ArrowFunction).body;
			edits.push({ start: probe.getStart(file), end: body.getStart(file), text: '(' });
			edits.push({ start: body.end, end: probe.end, text: ')' });
			// The walk goes on into the arguments, so probes inside the body (a statement in a callback) are erased too.
			return;
		}
		ts.forEachChild(node, visit);
	};
	for (const statement of file.statements) if (!ts.isImportDeclaration(statement)) visit(statement);
	let contents = source;
	for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) {
		contents = `${contents.slice(0, start)}${text}${contents.slice(end)}`;
	}
	return contents;
}

/** The browser build's view of our sources: probes erased, top-level calls into imports marked pure. */
const browserSources: Plugin = {
	name: 'tokenkeeper-browser-sources',
	setup(build) {
		build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
			const source = await readFile(args.path, 'utf8');
			return { contents: wrapPureTopLevelCalls(eraseDiagnosticsProbes(source, args.path), args.path), loader: 'ts' };
		});
	},
};

/** ESM-only dependencies: the CommonJS build bundles their code and reads their types as ESM (build/cjs-declarations.ts). */
const esmOnly = ['ky', 'p-retry', 'is-network-error'];

/**
 * Optional peer dependencies: loaded from the user's node_modules, never bundled. `tokenkeeper` itself: the React
 * bindings import the package by its name, so that an app's bundler gives them the app's one copy of it (its browser
 * build in a browser), not a second one.
 */
const peers = ['msw', 'redis', '@opentelemetry/api', 'undici', 'react', 'tokenkeeper'];

/**
 * The declarations, built once: the `.d.ts` files by tsup (rollup-plugin-dts over a TypeScript program, about 14 s
 * of CPU), then their `.d.cts` twins derived from them. tsup's own `dts` would build the same program again for the
 * CommonJS config. Run when the ESM build succeeds, so that its output directory has been cleaned first.
 */
async function buildDeclarations(silent: boolean | undefined): Promise<void> {
	await build({ config: false, entry, format: 'esm', dts: { only: true }, external: peers, silent });
	await writeCjsDeclarations('dist', esmOnly);
}

/**
 * React Server Components (Next.js) need `'use client'` atop a module of hooks and context; bundling drops a module's
 * directives, so the React bindings' built file gets it back.
 */
async function markClientModule(file: string): Promise<void> {
	const code = await readFile(file, 'utf8');
	if (!code.startsWith("'use client';")) await writeFile(file, `'use client';\n${code}`);
}

/**
 * No source maps. With their sources inlined they were 716 KB of the 1 012 KB tarball (the CLI's alone 191 KB); without
 * them they would point to `src/*.ts`, which the package does not ship (debuggers find no source, Vite warns "points
 * to missing source files"). The builds are not minified and keep our names and esbuild's `// src/x.ts` markers, so a
 * stack trace's `dist/index.js:line` is readable code. Figures: docs/development.md.
 */
const shared: Options = {
	entry,
	target: 'node20',
	sourcemap: false,
	clean: false,
	treeshake: true,
	splitting: false,
	external: peers,
};

export default defineConfig((overrides): Options[] => [
	// ESM: dependencies stay external, so the user's bundler can share them. Then the declarations of both formats.
	{
		...shared,
		entry: { ...entry, ...nodeLazyEntries },
		format: 'esm',
		clean: true,
		esbuildPlugins: [separateLazyModules('js')],
		onSuccess: async () => {
			await markClientModule('dist/react.js');
			await buildDeclarations(overrides.silent);
		},
	},
	// CJS: ky and p-retry are ESM-only; bundle them so require('tokenkeeper') works on Node 20.
	{
		...shared,
		entry: { ...entry, ...nodeLazyEntries },
		format: 'cjs',
		noExternal: esmOnly,
		esbuildPlugins: [cjsTwins, separateLazyModules('cjs')],
		onSuccess: () => markClientModule('dist/react.cjs'),
	},
	// Browser: the "browser" export condition. Modules with a browser twin are swapped for it (the memory store's
	// twin is Map-based, so lru-cache is not even imported by browser bundles), and the diagnostics probes are erased.
	{
		entry: { 'index.browser': 'src/index.ts', ...Object.fromEntries(lazyModules.map(({ file, source }) => [file, source])) },
		format: 'esm',
		platform: 'browser',
		target: 'es2022',
		sourcemap: false,
		treeshake: true,
		splitting: false,
		esbuildPlugins: [browserTwins, browserSources, separateLazyModules('browser')],
	},
	// The `tokenkeeper` command: ESM with its shebang kept (tsup also makes it executable), no types. It
	// imports the emulator's server, not `testing/index.ts`, so it runs with msw absent.
	{
		entry: { cli: 'src/cli/index.ts' },
		format: 'esm',
		platform: 'node',
		target: 'node20',
		sourcemap: false,
		treeshake: true,
		splitting: false,
	},
]);
