import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'tokenkeeper-check-test-'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('npm run check (publint and arethetypeswrong)', () => {
	it('leaves a tarball the user packed alone (attw --pack overwrote it, then deleted it), and passes on the build', () => {
		// The package as `npm run check` sees it, in a copy: the test must not touch a tarball of the worktree's own.
		for (const name of ['package.json', 'README.md', 'CHANGELOG.md', 'dist', 'build'])
			cpSync(join(root, name), join(project, name), { recursive: true });
		symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');
		const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
		const tarball = `${name}-${version}.tgz`;
		writeFileSync(join(project, tarball), "the user's tarball");
		const before = readdirSync(project).sort();

		const check = spawnSync('npm', ['run', 'check'], { cwd: project, encoding: 'utf8', timeout: 120_000 });

		expect({ status: check.status, output: check.status === 0 ? '' : `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
		expect(readdirSync(project).sort()).toEqual(before);
		expect(readFileSync(join(project, tarball), 'utf8')).toBe("the user's tarball");
	}, 150_000);
});
