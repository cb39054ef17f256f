import { join } from 'node:path';
import ts from 'typescript';
import type { CodeBlock } from './markdown.js';

/**
 * Compiles code samples as one TypeScript program: the project's compiler options (strict, its `paths`, so that
 * `tokenkeeper`, `tokenkeeper/redis`… are the source in src/), each sample its own module, held in memory beside the
 * real files. Only the samples' own diagnostics are collected, so src/ is checked only as far as they use it.
 */

/** A compiler diagnostic of one sample, placed in the markdown file. */
export interface SampleDiagnostic {
	/** `docs/backends.md:120`: the markdown file and line. */
	readonly where: string;
	/** `TS2322: Type 'number | undefined' is not assignable…` */
	readonly message: string;
}

/** Where the in-memory samples seem to live: under the root, so module resolution finds node_modules and the paths. */
const SAMPLES_DIR = '.docs-samples';

/**
 * Type-check `blocks` together with `prelude` (an ambient script: declarations every sample sees). Returns
 * each block's diagnostics, in the order of `blocks`.
 */
export function checkSamples(root: string, blocks: readonly CodeBlock[], prelude: string): SampleDiagnostic[][] {
	const options = compilerOptions(root);
	const files = new Map<string, string>();
	const preludePath = join(root, SAMPLES_DIR, 'prelude.d.ts');
	files.set(preludePath, prelude);
	const paths = blocks.map((block, index) => {
		// A ```tsx sample is a .tsx module: JSX, compiled as the project's tsconfig says (`jsx: react-jsx`).
		const extension = block.language === 'tsx' ? 'tsx' : 'ts';
		const path = join(root, SAMPLES_DIR, `${index}-${block.file.replace(/[^\w.-]/g, '_')}-L${block.line}.${extension}`);
		files.set(path, block.code);
		return path;
	});

	const host = ts.createCompilerHost(options, true);
	const { getSourceFile, fileExists, readFile } = host;
	host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
	host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
	host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
		const text = files.get(name);
		if (text === undefined) return getSourceFile.call(host, name, languageVersion, onError, shouldCreate);
		return ts.createSourceFile(name, text, languageVersion, true);
	};
	const program = ts.createProgram({ rootNames: [preludePath, ...paths], options, host });

	const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
	if (global.length > 0) throw new Error(`The samples' program cannot be set up: ${global.map(flatten).join('; ')}`);
	const preludeErrors = diagnosticsOf(program, preludePath);
	if (preludeErrors.length > 0) throw new Error(`The prelude does not compile: ${preludeErrors.map(flatten).join('; ')}`);

	return blocks.map((block, index) =>
		diagnosticsOf(program, paths[index] ?? '').map((diagnostic) => ({
			where: `${block.file}:${block.line + lineOf(diagnostic)}`,
			message: `TS${diagnostic.code}: ${flatten(diagnostic)}`,
		})),
	);
}

/** The project's tsconfig.json options, for in-memory modules: every file a module, no unused-name noise. */
function compilerOptions(root: string): ts.CompilerOptions {
	const parsed = ts.getParsedCommandLineOfConfigFile(
		join(root, 'tsconfig.json'),
		{},
		{
			...ts.sys,
			onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
				throw new Error(`tsconfig.json: ${flatten(diagnostic)}`);
			},
		},
	);
	if (!parsed) throw new Error('tsconfig.json could not be read');
	return {
		...parsed.options,
		noEmit: true,
		// A sample without import or export is still its own module: top-level await works, and names do not clash.
		moduleDetection: ts.ModuleDetectionKind.Force,
		noUnusedLocals: false,
		noUnusedParameters: false,
	};
}

function diagnosticsOf(program: ts.Program, path: string): ts.Diagnostic[] {
	const sourceFile = program.getSourceFile(path);
	if (!sourceFile) throw new Error(`${path} is not in the program`);
	return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
}

/** The 0-based line of the diagnostic in its sample. */
function lineOf(diagnostic: ts.Diagnostic): number {
	if (!diagnostic.file || diagnostic.start === undefined) return 0;
	return diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
}

function flatten(diagnostic: ts.Diagnostic): string {
	return ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
}
