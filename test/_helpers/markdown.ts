import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the docs tests read in markdown: fenced code blocks, headings (as GitHub's anchors) and links. A line scanner,
 * not a markdown parser: the docs use fences, ATX headings and inline links, and nothing else that matters here.
 */

/** A fenced code block. */
export interface CodeBlock {
	/** The file, relative to the repository root, e.g. `docs/backends.md`. */
	readonly file: string;
	/** The 1-based line of the block's first code line (the line after the opening fence). */
	readonly line: number;
	/** The first word of the info string: `ts`, `sh`… */
	readonly language: string;
	/** The rest of the info string, e.g. `nocheck=otel-node-sdk`. */
	readonly meta: string;
	/** The code, with the fence's indentation removed (a block inside a list item is indented). */
	readonly code: string;
}

/** An inline link `[text](target)` outside code. */
export interface MarkdownLink {
	readonly file: string;
	readonly line: number;
	readonly target: string;
}

/** The markdown files whose samples and links are checked: the README and the guides (not the generated API site). */
export function docFiles(root: string): string[] {
	const guides = readdirSync(join(root, 'docs'), { withFileTypes: true })
		.filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
		.map((entry) => `docs/${entry.name}`)
		.sort();
	return ['README.md', ...guides];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/;

/** Every fenced code block of `text`, with the line it starts on. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
	const lines = text.split('\n');
	const blocks: CodeBlock[] = [];
	for (let index = 0; index < lines.length; index++) {
		const open = FENCE.exec(lines[index] ?? '');
		if (!open) continue;
		const [, indent = '', fence = '', language = '', meta = ''] = open;
		const body: string[] = [];
		let end = index + 1;
		// The block ends at a fence of the same character, at least as long (CommonMark), or at the end of the file.
		while (end < lines.length && !isClosingFence(lines[end] ?? '', fence)) {
			const line = lines[end] ?? '';
			body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
			end++;
		}
		blocks.push({ file, line: index + 2, language, meta: meta.trim(), code: body.join('\n') });
		index = end;
	}
	return blocks;
}

function isClosingFence(line: string, fence: string): boolean {
	const trimmed = line.trim();
	return trimmed.startsWith(fence) && /^[`~]+$/.test(trimmed) && trimmed[0] === fence[0];
}

/** The text with every fenced block's lines blanked (kept as empty lines, so line numbers stay right). */
function withoutCodeBlocks(text: string): string[] {
	const lines = text.split('\n');
	let fence: string | undefined;
	return lines.map((line) => {
		if (fence !== undefined) {
			if (isClosingFence(line, fence)) fence = undefined;
			return '';
		}
		const open = FENCE.exec(line);
		if (open) fence = open[2];
		return open ? '' : line;
	});
}

/**
 * GitHub's anchor for a heading (github-slugger): the rendered text in lower case, without punctuation other than
 * `-` and `_`, spaces as `-`; a repeated anchor gets `-1`, `-2`…
 */
export function headingAnchors(text: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	for (const line of withoutCodeBlocks(text)) {
		const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (!heading) continue;
		const rendered = (heading[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
		const slug = rendered
			.toLowerCase()
			.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
			.replace(/ /g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return anchors;
}

/** Every inline link outside code blocks and code spans. */
export function links(file: string, text: string): MarkdownLink[] {
	const found: MarkdownLink[] = [];
	withoutCodeBlocks(text).forEach((line, index) => {
		const prose = line.replace(/`[^`]*`/g, '');
		for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
			found.push({ file, line: index + 1, target: match[1] ?? '' });
		}
	});
	return found;
}

/** The file's text. */
export function readDoc(root: string, file: string): string {
	return readFileSync(join(root, file), 'utf8');
}
