import { InvalidOptionError } from '../../errors.js';
import type { HttpHandler } from 'msw';
import { usePackage } from '../../optional-package.js';
import { createEmulatorCore, type EmulatorControls } from './core.js';
import { msw } from './load-msw.js';
import type { EmulatorOptions } from './options.js';

/** Where the msw handlers answer, on top of the emulator options. */
export interface ProviderHandlersOptions extends EmulatorOptions {
	/** Base URL the handlers intercept. Default `http://emulator.test`. */
	url?: string;
}

/** The emulator's controls plus msw request handlers that serve it. */
export interface ProviderHandlers extends EmulatorControls {
	readonly handlers: HttpHandler[];
}

/**
 * The provider emulator as msw handlers, for unit tests without a socket. The same logic as
 * {@link createEmulator}; a `reset` fault becomes a network error, a `hang` lasts until the client aborts. Needs `msw`
 * (an optional peer dependency): without it, a `MissingPackageError` (`ERR_MISSING_PACKAGE`) says so.
 * @example
 * const emulator = providerHandlers();
 * const server = setupServer(...emulator.handlers);
 * server.listen({ onUnhandledRequest: 'error' });
 */
export function providerHandlers(options: ProviderHandlersOptions = {}): ProviderHandlers {
	const { http } = usePackage(msw, 'msw', 'providerHandlers() (tokenkeeper/testing)');
	const { url = 'http://emulator.test', ...emulatorOptions } = options;
	const core = createEmulatorCore(emulatorOptions, checkOrigin(url));
	const handlers = [http.all(`${core.controls.url}/*`, ({ request }) => core.handle(request))];
	return Object.freeze({ ...core.controls, handlers });
}

// Providers mount their routes at the root, as the real servers do, so a path prefix would never match.
function checkOrigin(url: string): string {
	let parsed: URL | undefined;
	try {
		parsed = new URL(url);
	} catch {
		parsed = undefined;
	}
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.pathname !== '/' || parsed.search || parsed.hash) {
		throw new InvalidOptionError('url', `Expected \`url\` to be an http(s) origin such as http://emulator.test, got \`${url}\``);
	}
	return parsed.origin;
}
