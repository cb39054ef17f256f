import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

/**
 * The modules a file imports statically, types included (`import type` is still a dependency of the reader): relative
 * specifiers only. `import()` is left out: it is how the core loads DPoP on demand, which then imports the core.
 */
function staticImports(file: string): string[] {
	const text = readFileSync(file, 'utf8');
	const specifiers = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)].map((match) => match[1]!);
	return specifiers.map((specifier) => path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
}

/** Strongly connected components of more than one module, or a module importing itself (Tarjan). */
function importCycles(graph: Map<string, string[]>): string[][] {
	let index = 0;
	const indices = new Map<string, number>();
	const lowlinks = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const cycles: string[][] = [];
	const visit = (node: string): void => {
		indices.set(node, index);
		lowlinks.set(node, index);
		index += 1;
		stack.push(node);
		onStack.add(node);
		for (const next of graph.get(node) ?? []) {
			if (!graph.has(next)) continue;
			if (!indices.has(next)) {
				visit(next);
				lowlinks.set(node, Math.min(lowlinks.get(node)!, lowlinks.get(next)!));
			} else if (onStack.has(next)) lowlinks.set(node, Math.min(lowlinks.get(node)!, indices.get(next)!));
		}
		if (lowlinks.get(node) !== indices.get(node)) return;
		const component: string[] = [];
		let member: string;
		do {
			member = stack.pop()!;
			onStack.delete(member);
			component.push(path.relative(src, member));
		} while (member !== node);
		if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
	};
	for (const node of graph.keys()) if (!indices.has(node)) visit(node);
	return cycles;
}

describe('the import graph of src/', () => {
	const graph = new Map(sourceFiles(src).map((file) => [file, staticImports(file)]));

	it('has no import cycle (each circle is two concepts that belong in one place, or a third they both need)', () => {
		expect(importCycles(graph)).toEqual([]);
	});

	it('finds a cycle when there is one (the check itself works)', () => {
		const a = path.join(src, 'a.ts');
		const b = path.join(src, 'b.ts');
		expect(
			importCycles(
				new Map([
					[a, [b]],
					[b, [a]],
				]),
			),
		).toEqual([['a.ts', 'b.ts']]);
	});

	it('the stores are cut by backend: the contract and the memory store at the root, one folder per backend', () => {
		const stores = readdirSync(path.join(src, 'stores'), { withFileTypes: true });
		expect(
			stores
				.filter((entry) => entry.isDirectory())
				.map((entry) => entry.name)
				.sort(),
		).toEqual(['browser', 'file', 'redis']);
		// A backend is used through its entry point or the contract, never by another backend's modules.
		for (const backend of ['browser', 'file', 'redis']) {
			for (const file of sourceFiles(path.join(src, 'stores', backend))) {
				const others = staticImports(file).filter((imported) => {
					const relative = path.relative(path.join(src, 'stores'), imported);
					return ['browser', 'file', 'redis'].some((other) => other !== backend && relative.startsWith(`${other}${path.sep}`));
				});
				expect({ file: path.relative(src, file), others }).toEqual({ file: path.relative(src, file), others: [] });
			}
		}
	});
});
