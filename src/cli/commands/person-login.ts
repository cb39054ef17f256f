import { createAuthorizationCodeFlow, createDeviceAuthorizationFlow, type Provider, type TokenSet } from '../../index.js';
import { redact } from '../../endpoint/index.js';
import { createMemoryStorage, type KeyValueStorage } from '../../key-value-storage.js';
import { tryParseJson } from '../../try-parse-json.js';
import { CliError } from '../cli-error.js';
import { exportSessionKey, newSessionKeyPair } from '../dpop-keys.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { startLoopbackServer } from '../loopback-server.js';
import { openBrowser } from '../open-browser.js';
import { describeSession, openSessionStore, providerUrl, sessionKey } from '../sessions.js';
import { oneLine } from '../terminal-text.js';

/** How a person's login runs, from the command's flags. */
export interface PersonLoginOptions {
	readonly scope: string | undefined;
	readonly timeout: number | undefined;
	readonly waitSeconds: number;
	/** For the loopback login: the port (0: any) and whether to open a browser. */
	readonly port: number;
	readonly open: boolean;
	/** DPoP-bound tokens (`--dpop`): a key made for the session and kept with it, in its file. */
	readonly dpop?: boolean | undefined;
	/**
	 * The APIs the login is for (`--resource`, RFC 8707): each named in the (device) authorization request, the first
	 * in the code exchange or poll (the token printed); the session's refresh token then gets the others. Empty or
	 * absent: none.
	 */
	readonly resources?: readonly string[] | undefined;
	/** Push the authorization request first (`--par`, RFC 9126); a server that requires it gets it pushed anyway. */
	readonly par?: boolean | undefined;
}

/**
 * The session a person's login makes on disk: the options of its flow (no refresh-ahead; with `--dpop`, a key made
 * for it), and `keep()`, which writes beside the tokens what `sessions` shows and the key they are bound to.
 */
async function loginSession(context: CliContext, provider: Provider, options: PersonLoginOptions) {
	const store = openSessionStore(context);
	const key = sessionKey(provider);
	const keyPair = options.dpop ? await newSessionKeyPair() : undefined;
	return {
		flowOptions: { store, key, timeout: options.timeout, refreshAhead: 0, dpop: keyPair && { keyPair }, fetch: context.requests.fetch },
		async keep(): Promise<void> {
			await store.setMeta(key, describeSession(provider, providerUrl(provider)));
			// A login without --dpop leaves no key of an earlier one behind.
			await store.setDpopKey(key, keyPair && (await exportSessionKey(keyPair)));
		},
	};
}

/**
 * The attempt storage of one loopback login, in memory: it tells the state of the attempt the flow kept, which the
 * authorization URL of a pushed request does not show.
 */
function recordingAttempts(): { readonly storage: KeyValueStorage; state(): string | undefined } {
	const storage = createMemoryStorage();
	let state: string | undefined;
	return {
		storage: {
			getItem: (key) => storage.getItem(key),
			setItem(key, value) {
				state = (tryParseJson(value) as { state?: unknown } | undefined)?.state as string | undefined;
				storage.setItem(key, value);
			},
			removeItem: (key) => storage.removeItem(key),
		},
		state: () => (typeof state === 'string' ? state : undefined),
	};
}

/**
 * Log a person in through the browser, as a native app does (RFC 8252): a loopback redirect on 127.0.0.1, PKCE, and
 * the session stored on disk through the manager (refresh token included), described for `sessions`.
 * `providerFor` builds the provider once the redirect URI is known.
 */
export async function loginInBrowser(
	context: CliContext,
	providerFor: (redirectUri: string) => Provider,
	options: PersonLoginOptions,
): Promise<TokenSet> {
	const server = await startLoopbackServer(options.port);
	try {
		const provider = providerFor(server.redirectUri);
		const session = await loginSession(context, provider, options);
		const attempts = recordingAttempts();
		const flow = createAuthorizationCodeFlow(provider, { ...session.flowOptions, attemptStorage: attempts.storage });
		const resource = options.resources?.length ? options.resources : undefined;
		const authorizationUrl = await flow.createAuthorizationUrl({ scope: options.scope, resource, par: options.par === true });
		context.stderr.write(
			`tokenkeeper: open this URL in a browser to log in (waiting up to ${options.waitSeconds} s):\n${authorizationUrl}\n`,
		);
		if (options.open && !(await openBrowser(authorizationUrl, context.env))) {
			context.stderr.write('tokenkeeper: no browser could be opened: open the URL above yourself\n');
		}
		// The state of the flow's attempt: the loopback server hands over only a redirect that carries it. A pushed
		// request's URL (RFC 9126) names none, so it is read from the attempt the flow kept.
		const state = new URL(authorizationUrl).searchParams.get('state') ?? attempts.state();
		if (!state) throw new TypeError('The login attempt has no state');
		const callback = await server.callback({ state, waitMs: options.waitSeconds * 1000 });
		try {
			const tokenSet = await flow.handleCallback(callback.url);
			await session.keep();
			callback.respond({ ok: true, message: 'Logged in: you can close this tab and return to the terminal.' });
			return tokenSet;
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			callback.respond({ ok: false, message: oneLine(redact(message, context.secrets)) });
			throw error;
		}
	} finally {
		await server.close();
	}
}

/**
 * Log a person in from a machine without a browser (RFC 8628): the URL and code go to stderr, the person approves on
 * any device, and the session is stored on disk through the manager. Ctrl-C (or `--wait`) stops the waiting.
 */
export async function loginOnDevice(context: CliContext, provider: Provider, options: PersonLoginOptions): Promise<TokenSet> {
	const session = await loginSession(context, provider, options);
	const flow = createDeviceAuthorizationFlow(provider, session.flowOptions);
	const resource = options.resources?.length ? options.resources : undefined;
	const login = await flow.start({ scope: options.scope, resource });
	const wait = Math.min(options.waitSeconds * 1000, login.expiresAt - Date.now());
	context.stderr.write(
		`tokenkeeper: to log in, open ${login.verificationUri} on any device and enter the code ${login.userCode}\n` +
			(login.verificationUriComplete ? `tokenkeeper: or open ${login.verificationUriComplete}\n` : '') +
			`tokenkeeper: waiting up to ${Math.round(wait / 1000)} s\n`,
	);
	const deadline = AbortSignal.timeout(Math.max(0, wait));
	const tokenSet = await login.complete({ signal: deadline }).catch((error: unknown) => {
		if (!deadline.aborted) throw error;
		throw new CliError(`No login within ${Math.round(wait / 1000)} s: start again (and raise --wait if you need longer)`, ExitCode.Refused);
	});
	await session.keep();
	return tokenSet;
}
