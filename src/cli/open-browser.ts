import { spawn } from 'node:child_process';

/** The platform's "open this URL" command, or `undefined` when there is no desktop to open it on. */
function opener(url: string, platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>): [string, string[]] | undefined {
	if (platform === 'darwin') return ['open', [url]];
	// rundll32 takes the URL as one argument: no cmd.exe, so no quoting of `&` to get wrong.
	if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
	// Without a display, xdg-open falls back to a text browser that would fight us for the terminal.
	if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
	return ['xdg-open', [url]];
}

/**
 * Best effort: ask the desktop to open `url` in the default browser. Resolves `true` once the opener
 * started, `false` when there is none; the caller prints the URL either way.
 */
export function openBrowser(
	url: string,
	env: Readonly<Record<string, string | undefined>>,
	platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
	const protocol = URL.canParse(url) ? new URL(url).protocol : '';
	// An opener runs whatever a URL names (file:, custom schemes): only web pages are handed to it.
	if (protocol !== 'https:' && protocol !== 'http:') return Promise.resolve(false);
	const command = opener(url, platform, env);
	if (!command) return Promise.resolve(false);
	return new Promise((resolve) => {
		try {
			const child = spawn(command[0], command[1], { stdio: 'ignore', detached: true });
			child.once('error', () => resolve(false));
			child.once('spawn', () => {
				child.unref();
				resolve(true);
			});
		} catch {
			resolve(false);
		}
	});
}
