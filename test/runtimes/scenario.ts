import {
	authFetch,
	createAuthorizationCodeFlow,
	createClient,
	dotkernel,
	isLoginRequiredError,
	isOAuthError,
	type Provider,
	squidex,
	sqowey,
} from 'tokenkeeper';
import { computeCodeChallenge, generateCodeVerifier } from 'tokenkeeper/pkce';
import type { EmulatorCounters } from '../../src/testing/index.js';
import {
	CALLS,
	type CallTally,
	type ControlAction,
	type Features,
	type ScenarioConfig,
	type StepName,
	type StepReport,
} from './protocol.js';

/**
 * The end-to-end scenario every runtime runs, against the BUILT package as a user imports it: only Web APIs (fetch,
 * Web Crypto), so one file serves Node, Deno, Bun and workerd. It asserts nothing: it reports what it saw, step by
 * step, and the runner (Node 20, vitest) judges, so a failure reads the same whatever the runtime.
 */
export async function runScenario(
	controlUrl: string,
	runtime: string,
	resolved: readonly string[],
	report: (line: StepReport) => void,
): Promise<void> {
	const control = async <T = EmulatorCounters>(action: ControlAction | 'config'): Promise<T> => {
		const read = action === 'config' || action === 'counters';
		const response = await fetch(`${controlUrl}/${action}`, { method: read ? 'GET' : 'POST', signal: AbortSignal.timeout(5_000) });
		if (!response.ok) throw new Error(`control ${action}: HTTP ${response.status}`);
		return (await response.json()) as T;
	};
	let at: StepName | 'config' = 'config';
	try {
		const config = await control<ScenarioConfig>('config');
		at = 'environment';
		report({ step: 'environment', runtime, resolved, features: features(), localFlow: await localFlow() });

		at = 'squidex-cold';
		const squidexApi = kyCaller(squidex(config.squidex), `${config.squidex.url}/api/`);
		await control('reset-counters');
		const cold = await concurrently(CALLS.cold, () => squidexApi('apps/food-crunch/schemas'));
		report({ step: at, calls: cold, counters: await control('counters') });

		at = 'revocation-storm';
		await control('reset-counters');
		await control('revoke-all-tokens');
		const storm = await concurrently(CALLS.storm, () => squidexApi('apps/food-crunch/schemas'));
		report({ step: at, calls: storm, counters: await control('counters') });

		at = 'dotkernel-rotation';
		const { username, password, ...client } = config.dotkernel;
		const dotkernelApi = fetchCaller(dotkernel({ ...client, credentials: async () => ({ username, password }) }), `${client.url}/`);
		await control('reset-counters');
		const first = await concurrently(1, () => dotkernelApi('user/my-account'));
		await control('expire-all-tokens');
		const rotated = await concurrently(CALLS.rotation, () => dotkernelApi('user/my-account'));
		report({ step: at, calls: sum(first, rotated), counters: await control('counters') });

		at = 'pkce';
		report({
			step: at,
			// RFC 7636 Appendix B.
			challenge: await computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
			verifiers: Array.from({ length: 20 }, () => generateCodeVerifier()),
			shortest: generateCodeVerifier(43),
			longest: generateCodeVerifier(128),
		});

		at = 'oauth-error';
		const refused = kyCaller(squidex({ ...config.squidex, clientSecret: config.wrongSecret }), `${config.squidex.url}/api/`);
		const error = await refused('apps/food-crunch/schemas').then(
			() => new Error('the call with a wrong secret succeeded'),
			(thrown: unknown) => thrown,
		);
		const fields = error as { name?: unknown; code?: unknown; status?: unknown; error?: unknown };
		report({
			step: at,
			name: String(fields.name),
			code: fields.code,
			status: fields.status,
			error: fields.error,
			isOAuthError: isOAuthError(error),
			renderings: renderings(error),
		});
		report({ step: 'done' });
	} catch (error) {
		report({ step: 'failed', at, message: describe(error) });
	}
}

/** One GET through `createClient` (ky); resolves on a 2xx with its body read, rejects otherwise. */
function kyCaller(auth: Provider, prefixUrl: string): (path: string) => Promise<unknown> {
	const api = createClient({ prefixUrl, auth });
	return (path) => api.get(path).json();
}

/** The same through `authFetch`, the wrapper for fetch-based SDKs, so that both entry points run in every runtime. */
function fetchCaller(auth: Provider, prefixUrl: string): (path: string) => Promise<unknown> {
	const send = authFetch({ auth, allowedOrigins: [new URL(prefixUrl).origin] });
	return async (path) => {
		const response = await send(new URL(path, prefixUrl));
		if (!response.ok) throw new Error(`HTTP ${response.status}`);
		return response.json();
	};
}

async function concurrently(n: number, call: () => Promise<unknown>): Promise<CallTally> {
	const results = await Promise.allSettled(Array.from({ length: n }, call));
	const errors = new Set<string>();
	for (const result of results) if (result.status === 'rejected') errors.add(describe(result.reason));
	const ok = results.filter((result) => result.status === 'fulfilled').length;
	return { ok, failed: n - ok, errors: [...errors].slice(0, 5) };
}

function sum(a: CallTally, b: CallTally): CallTally {
	return { ok: a.ok + b.ok, failed: a.failed + b.failed, errors: [...new Set([...a.errors, ...b.errors])].slice(0, 5) };
}

function describe(error: unknown): string {
	return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Every way a log would show the error, down its `cause` chain (no `inspect`: it is not a Web API). */
function renderings(error: unknown): string[] {
	const texts: string[] = [];
	for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
		texts.push(current.message, String(current), JSON.stringify(current) ?? '', current.stack ?? '');
	}
	return texts;
}

function features(): Features {
	const global = globalThis as Record<string, unknown> & { navigator?: { locks?: { request?: unknown } } };
	const present = (name: string) => {
		try {
			return global[name] !== undefined && global[name] !== null;
		} catch {
			// Some runtimes define storage getters that throw when storage is unusable.
			return false;
		}
	};
	return {
		webLocks: typeof global.navigator?.locks?.request === 'function',
		indexedDB: present('indexedDB'),
		localStorage: present('localStorage'),
		sessionStorage: present('sessionStorage'),
		webCrypto: typeof crypto?.subtle?.digest === 'function' && typeof crypto.getRandomValues === 'function',
	};
}

/**
 * The documented fallback where a runtime lacks IndexedDB and localStorage: a flow with `storage: 'local'` is made (a
 * server rendering the browser app makes one and never uses it), and refuses at its first use, saying why. Where the
 * storage exists, that first use finds nobody signed in.
 */
async function localFlow(): Promise<string> {
	try {
		const flow = createAuthorizationCodeFlow(
			sqowey({ url: 'http://127.0.0.1:1', clientId: 'probe', redirectUri: 'http://127.0.0.1:1/cb' }),
			{
				storage: 'local',
			},
		);
		await flow.tokens.getToken();
		return 'signed in?';
	} catch (error) {
		return isLoginRequiredError(error) ? 'created' : describe(error);
	}
}
