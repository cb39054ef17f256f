import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/** The attribute that makes TypeScript read a package's types as an `import` would, from a CommonJS file. */
const AS_IMPORT = "{ 'resolution-mode': 'import' }";

/** The package a bare specifier names: `ky` for `ky/distribution/x.js`, `@scope/name` for `@scope/name/y`. */
function packageName(specifier: string): string {
	const parts = specifier.split('/');
	return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * The CommonJS declarations (`x.d.cts`) of an ESM declaration file (`x.d.ts`), which tsup's declaration build
 * wrote once for both formats. The types are the same; two things differ:
 *
 * - A relative import names the CommonJS twin (`./errors-X.js` becomes `./errors-X.cjs`), so a CommonJS consumer's
 *   types stay CommonJS from file to file, like its code.
 * - An import of an ESM-only package (ky) carries `with { 'resolution-mode': 'import' }`. The CommonJS build bundles
 *   that package's code, but its types can only be read as ESM: without the attribute, TypeScript refuses them in a
 *   CommonJS file under `module` node16 (TS1479, "the referenced file is an ECMAScript module"). The attribute needs
 *   TypeScript 5.3 or later in such a project (`moduleResolution` node16 or nodenext; others read the `.d.ts`).
 *
 * Any other use of an ESM-only package (a re-export, an `import()` type) fails the build, so that a declaration the
 * rules above do not cover is seen, not shipped broken.
 * @see https://www.typescriptlang.org/docs/handbook/modules/reference.html#type-only-imports-and-exports-with-resolution-mode
 */
export function toCjsDeclarations(source: string, fileName: string, esmOnly: readonly string[]): string {
	const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
	const edits: { start: number; end: number; text: string }[] = [];
	const fail = (node: ts.Node, why: string): never => {
		const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
		throw new Error(`${fileName}:${line + 1}: ${why}: the CommonJS declarations cannot be derived from it (build/cjs-declarations.ts)`);
	};
	const visit = (node: ts.Node): void => {
		const specifier =
			(ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
				? node.moduleSpecifier
				: ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)
					? node.argument.literal
					: undefined;
		if (specifier?.text.startsWith('.')) {
			if (!specifier.text.endsWith('.js')) fail(specifier, `a relative import without .js ("${specifier.text}")`);
			edits.push({ start: specifier.getStart(file), end: specifier.end, text: `'${specifier.text.replace(/\.js$/, '.cjs')}'` });
		} else if (specifier && esmOnly.includes(packageName(specifier.text))) {
			if (!ts.isImportDeclaration(node)) fail(node, `"${specifier.text}" (ESM-only) used other than by an import declaration`);
			const declaration = node as ts.ImportDeclaration;
			const clause = declaration.importClause;
			if (!clause || declaration.attributes) fail(node, `an import of "${specifier.text}" (ESM-only) without names or with attributes`);
			if (!clause!.isTypeOnly) {
				const named = clause!.namedBindings;
				if (clause!.name && named) fail(node, `a default and named import of "${specifier.text}" (ESM-only) in one`);
				if (named && ts.isNamedImports(named) && named.elements.some((element) => element.isTypeOnly)) {
					fail(node, `an inline \`type\` in an import of "${specifier.text}" (ESM-only)`);
				}
				// `import type`: TypeScript takes `resolution-mode` on type-only imports alone.
				const keyword = declaration.getStart(file) + 'import'.length;
				edits.push({ start: keyword, end: keyword, text: ' type' });
			}
			edits.push({ start: specifier.end, end: specifier.end, text: ` with ${AS_IMPORT}` });
		}
		ts.forEachChild(node, visit);
	};
	visit(file);
	let contents = source;
	// From the end, so that earlier offsets stay right.
	for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) {
		contents = `${contents.slice(0, start)}${text}${contents.slice(end)}`;
	}
	return contents;
}

/** Write the `.d.cts` twin of every `.d.ts` file in `dir` (see {@link toCjsDeclarations}). */
export async function writeCjsDeclarations(dir: string, esmOnly: readonly string[]): Promise<void> {
	const names = (await readdir(dir)).filter((name) => name.endsWith('.d.ts'));
	await Promise.all(
		names.map(async (name) => {
			const source = await readFile(path.join(dir, name), 'utf8');
			await writeFile(path.join(dir, name.replace(/\.d\.ts$/, '.d.cts')), toCjsDeclarations(source, name, esmOnly));
		}),
	);
}
