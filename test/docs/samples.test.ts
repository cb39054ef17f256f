import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CodeBlock, codeBlocks, docFiles, headingAnchors, links, readDoc } from '../_helpers/markdown.js';
import { checkSamples, type SampleDiagnostic } from '../_helpers/typescript-samples.js';

/**
 * The docs cannot drift from the types: every TypeScript sample (```ts, and ```tsx with JSX) in README.md and docs/*.md compiles, as its own
 * module, in one program with the project's tsconfig (strict; `tokenkeeper`, `tokenkeeper/redis`… are src/). A
 * failure names the markdown file and line, and the compiler's message. The links between the docs resolve too.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The names a sample may use without declaring them, as `declare const name: Type;` lines (an ambient script). Samples
 * declare what they use (`const clientSecret = process.env.SQUIDEX_CLIENT_SECRET!`), so that a reader can copy one and
 * run it; a name goes here only when declaring it in every sample would be noise. Empty: no sample needs one.
 */
const PRELUDE = '';

/**
 * Blocks marked `` ```ts nocheck=<id> ``: each id with why it cannot be compiled here. A marker whose id is missing here
 * fails, and so does an entry no block uses, so this list is every unchecked sample.
 */
const UNCHECKED: Readonly<Record<string, string>> = {
	'otel-node-sdk':
		'docs/observability.md: the OpenTelemetry Node SDK and its OTLP exporters, which the project does not install (checked by hand against sdk-node 0.223, as the guide says)',
	'vue-composable': "docs/react.md: a Vue composable over flow.subscribe/getSnapshot; the project does not install 'vue'",
};

// `tsx`: samples with JSX (the React guide), compiled as .tsx modules.
const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx']);

const files = docFiles(root);
const texts = new Map(files.map((file) => [file, readDoc(root, file)]));
const typescript = files.flatMap((file) => codeBlocks(file, texts.get(file) ?? '')).filter((block) => TYPESCRIPT.has(block.language));
const unchecked = typescript.filter((block) => uncheckedId(block) !== undefined);
const checked = typescript.filter((block) => uncheckedId(block) === undefined);

/** The id of a block marked `nocheck=<id>` (`''` for a bare `nocheck`), or `undefined` for a block to compile. */
function uncheckedId(block: CodeBlock): string | undefined {
	const marker = /(?:^|\s)nocheck(?:=(\S+))?(?:\s|$)/.exec(block.meta);
	return marker ? (marker[1] ?? '') : undefined;
}

/** A sample that must fail, compiled with the others: the check can fail, and says where. */
const BROKEN: CodeBlock = {
	file: 'broken-sample.md',
	line: 10,
	language: 'ts',
	meta: '',
	code: "import { createTokenSet } from 'tokenkeeper';\n\nconst expiresAt: number = createTokenSet({ accessToken: 'a' }).expiresAt;",
};

/** A broken ```tsx sample: JSX is compiled and its props checked (TokenkeeperProvider needs `flow`). */
const BROKEN_TSX: CodeBlock = {
	file: 'broken-sample.md',
	line: 20,
	language: 'tsx',
	meta: '',
	code: "import { TokenkeeperProvider } from 'tokenkeeper/react';\n\nexport const page = <TokenkeeperProvider />;",
};

describe('TypeScript samples in the docs', () => {
	let compiled: SampleDiagnostic[][] = [];
	// One program for every sample, the broken one last: about 6 s of CPU (it reads src/ and the types it imports).
	beforeAll(() => {
		compiled = checkSamples(root, [...checked, BROKEN, BROKEN_TSX], PRELUDE);
	}, 120_000);

	it('the README and every guide are read, and they hold samples', () => {
		expect(files).toContain('README.md');
		expect(files).toContain('docs/backends.md');
		expect(checked.length).toBeGreaterThan(20);
	});

	it.each(checked.map((block, index) => [`${block.file}:${block.line}`, index] as const))('%s compiles (strict)', (_where, index) => {
		const found = compiled[index] ?? [];
		expect(found.map(({ where, message }) => `${where}: ${message}`)).toEqual([]);
	});

	it('a broken sample fails, named by its file and line', () => {
		const found = compiled.at(-2) ?? [];
		expect(found).toEqual([{ where: 'broken-sample.md:12', message: expect.stringMatching(/^TS2322: Type 'number \| undefined'/) }]);
	});

	it('a broken tsx sample fails: JSX is type-checked, not skipped', () => {
		const found = compiled.at(-1) ?? [];
		expect(found).toEqual([{ where: 'broken-sample.md:22', message: expect.stringMatching(/^TS2741: Property 'flow' is missing/) }]);
	});

	it.each(unchecked.map((block) => [`${block.file}:${block.line}`, uncheckedId(block) ?? ''] as const))(
		'%s is not compiled (nocheck=%s), for a reason listed in UNCHECKED',
		(_where, id) => {
			expect(Object.hasOwn(UNCHECKED, id)).toBe(true);
		},
	);

	it('every reason in UNCHECKED belongs to a block', () => {
		expect(Object.keys(UNCHECKED).filter((id) => !unchecked.some((block) => uncheckedId(block) === id))).toEqual([]);
	});
});

describe('links in the docs', () => {
	const relative = files.flatMap((file) => links(file, texts.get(file) ?? '')).filter((link) => !/^[a-z][a-z+.-]*:/i.test(link.target));

	it.each(relative.map((link) => [`${link.file}:${link.line} -> ${link.target}`, link] as const))('%s resolves', (_name, link) => {
		const [path = '', anchor] = link.target.split('#');
		const target = path === '' ? link.file : normalize(join(dirname(link.file), decodeURIComponent(path)));
		expect(existsSync(join(root, target)), `${target} does not exist`).toBe(true);
		if (anchor === undefined || !target.endsWith('.md')) return;
		const anchors = headingAnchors(texts.get(target) ?? readDoc(root, target));
		expect([...anchors], `${target} has no heading for #${anchor}`).toContain(anchor);
	});

	it('every `npx tokenkeeper <command>` is `npx --no tokenkeeper`: a bare one would download any package of that name', () => {
		// A command follows the name; prose that names the bare form (`npx tokenkeeper`, in a code span) is not one.
		const bare = files.flatMap((file) =>
			(texts.get(file) ?? '')
				.split('\n')
				.flatMap((line, index) =>
					[...line.matchAll(/\bnpx((?:\s+-\S+)*)\s+tokenkeeper(?=\s+[^\s`])/g)]
						.filter((match) => !/\s--no\b/.test(match[1] ?? ''))
						.map(() => `${file}:${index + 1}: ${line.trim()}`),
				),
		);
		expect(bare).toEqual([]);
	});
});
