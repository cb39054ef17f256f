/**
 * `npm run check`'s type check: arethetypeswrong on the package as `npm pack` ships it, every entry point under every
 * module resolution.
 *
 * Not `attw --pack .`: that packs into the package's own directory under the usual name (`tokenkeeper-0.1.0.tgz`),
 * then deletes the file, so a tarball the user had packed there was overwritten, then gone. Here the tarball goes to
 * a directory of its own, removed afterwards, and the package's directory is left as it was. `--ignore-scripts`:
 * `prepare` would build again; this checks the build that is there (`npm run build` first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const attw = path.join(path.dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js');

const dir = mkdtempSync(path.join(tmpdir(), 'tokenkeeper-check-'));
try {
	const packed = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const [{ filename }] = JSON.parse(packed) as [{ filename: string }];
	const result = spawnSync(process.execPath, [attw, path.join(dir, filename), ...process.argv.slice(2)], { stdio: 'inherit' });
	process.exitCode = result.status ?? 1;
} finally {
	rmSync(dir, { recursive: true, force: true });
}
