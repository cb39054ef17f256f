import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { requireInCI } from './ci.js';

/** Debian's Chromium: never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/** Whether the Chromium tests can run; in CI a missing Chromium fails the file instead (see ci.ts). */
export function chromiumAvailable(): boolean {
	return requireInCI(existsSync(CHROMIUM), CHROMIUM, ".ci/run installs Debian's chromium with apt-get");
}

/** Launch Debian's Chromium headless, bounded. */
export function launchChromium(): Promise<Browser> {
	return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30_000 });
}
