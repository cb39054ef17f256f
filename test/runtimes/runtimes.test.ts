import { mkdtempSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireInCI } from '../_helpers/ci.js';
import { secretForms } from '../_helpers/secrets.js';
import { type BuiltScenario, bundleScenario } from './bundle.js';
import { type ControlledEmulator, startControlledEmulator } from './control-server.js';
import { CALLS, type StepName, type StepReport } from './protocol.js';
import { RUNTIMES, type ScenarioRun } from './runtimes.js';

/** One scenario run, start to end, per runtime; past this it is killed and every step of it fails. */
const RUN_BOUND = 60_000;
const NOT_RUN = { code: null, signal: null, timedOut: false, stdout: '', stderr: '' } as const;
const root = fileURLToPath(new URL('../..', import.meta.url));

// Inside the package, so the node flavor's `import 'tokenkeeper'` resolves to this package's dist/ (a self-reference).
const buildDir = mkdtempSync(fileURLToPath(new URL('.build-', import.meta.url)));
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

for (const runtime of RUNTIMES) {
	const available = requireInCI(
		runtime.version !== undefined,
		`${runtime.name} (${runtime.binary})`,
		'npm run test:runtimes installs test/runtimes/toolchain; .ci/run does it with npm ci',
	);

	describe.skipIf(!available)(`${runtime.name} (${runtime.version})`, () => {
		let controlled: ControlledEmulator;
		let built: BuiltScenario | undefined;
		let run: ScenarioRun;

		beforeAll(async () => {
			controlled = await startControlledEmulator();
			try {
				built = await bundleScenario(runtime.flavor, buildDir);
				run = await runtime.run(built.file, controlled.controlUrl, RUN_BOUND);
			} catch (error) {
				// Every test then fails saying why, rather than being skipped, as vitest does after a failed hook.
				run = { reports: [], process: NOT_RUN, failure: error instanceof Error ? error.message : String(error) };
			}
		}, RUN_BOUND + 15_000);
		afterAll(() => controlled?.close());

		/** The report of `step`, or a failure that says how far the runtime got and what it printed. */
		function report<S extends StepName>(step: S): Extract<StepReport, { step: S }> {
			const found = run.reports.find((line) => line.step === step);
			if (found) return found as Extract<StepReport, { step: S }>;
			const failed = run.reports.find((line) => line.step === 'failed');
			throw new Error(
				[
					`no "${step}" report from ${runtime.name}`,
					failed && `the scenario failed at ${failed.at}: ${failed.message}`,
					run.failure,
					`exit: ${run.process.code ?? run.process.signal}${run.process.timedOut ? ` (killed after ${RUN_BOUND} ms)` : ''}`,
					`control requests: ${controlled.log.join(', ') || 'none'}`,
					`stderr: ${run.process.stderr.slice(-3_000) || '(empty)'}`,
				]
					.filter(Boolean)
					.join('\n'),
			);
		}

		const entry = runtime.flavor === 'workerd' ? 'dist/index.browser.js' : 'dist/index.js';
		it(`starts on the built package (${entry}); storage "local" refuses where neither IndexedDB nor localStorage exist`, () => {
			const { resolved, features, localFlow } = report('environment');
			// Resolved by the runtime (Node, Bun) or by the bundler with the runtime's conditions (Deno, workerd).
			const loaded = resolved.length > 0 ? resolved.map((url) => relative(root, fileURLToPath(url))) : built?.bundled;
			// A Worker is one bundle: the bundler also takes in the files the browser build loads with `import()`.
			const onDemand = [
				'dist/dpop.browser.js',
				'dist/indexed-db.browser.js',
				'dist/lease-lock.browser.js',
				'dist/session-channel.browser.js',
				'dist/login.browser.js',
				'dist/par.browser.js',
				'dist/popup-login.browser.js',
				'dist/oidc.browser.js',
				'dist/session-state.browser.js',
				'dist/revocation.browser.js',
			];
			// Deno's is one bundle too, of Node's build: with its files loaded on demand (the login, OpenID Connect…).
			const nodeOnDemand = ['dist/login.js', 'dist/oidc.js', 'dist/popup-login.js', 'dist/session-channel.js', 'dist/session-state.js'];
			const expected = {
				workerd: [entry, ...onDemand, 'dist/pkce.js'],
				deno: [entry, ...nodeOnDemand, 'dist/pkce.js'],
				node: [entry, 'dist/pkce.js'],
			}[runtime.flavor];
			expect([...(loaded ?? [])].sort()).toEqual(expected.sort());
			expect(features.webCrypto).toBe(true);
			if (features.indexedDB || features.localStorage) expect(localFlow).toBe('created');
			else expect(localFlow).toMatch(/^InvalidOptionError: Expected `storage` .*no IndexedDB or localStorage/);
		});

		it(`single flight: ${CALLS.cold} concurrent cold Squidex calls -> exactly 1 token request, all ok`, () => {
			const { calls, counters } = report('squidex-cold');
			expect(calls).toEqual({ ok: CALLS.cold, failed: 0, errors: [] });
			expect(counters.tokenRequests).toMatchObject({ total: 1, client_credentials: 1 });
			expect(counters.apiRequests).toEqual({ total: CALLS.cold, ok: CALLS.cold, rejected: 0 });
		});

		it(`revocation storm: ${CALLS.storm} concurrent calls -> 1 more token request, each call retried once, all ok`, () => {
			const { calls, counters } = report('revocation-storm');
			expect(calls).toEqual({ ok: CALLS.storm, failed: 0, errors: [] });
			expect(counters.tokenRequests).toMatchObject({ total: 1, client_credentials: 1 });
			expect(counters.apiRequests).toEqual({ total: 2 * CALLS.storm, ok: CALLS.storm, rejected: CALLS.storm });
		});

		it(`Dotkernel rotation (authFetch): a password grant, tokens expired, ${CALLS.rotation} concurrent calls -> 1 refresh, no reuse`, () => {
			const { calls, counters } = report('dotkernel-rotation');
			expect(calls).toEqual({ ok: 1 + CALLS.rotation, failed: 0, errors: [] });
			expect(counters.tokenRequests).toMatchObject({ total: 2, password: 1, refresh_token: 1 });
			expect(counters.refreshTokenReuse).toBe(0);
			// Dotkernel answers an expired token with 403: each of the calls is rejected once, then retried with the new token.
			expect(counters.apiRequests).toEqual({ total: 1 + 2 * CALLS.rotation, ok: 1 + CALLS.rotation, rejected: CALLS.rotation });
		});

		it('PKCE: the RFC 7636 Appendix B challenge; verifiers of the asked length from the unreserved alphabet', () => {
			const { challenge, verifiers, shortest, longest } = report('pkce');
			expect(challenge).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
			for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
			expect(new Set(verifiers).size).toBe(verifiers.length);
			expect(shortest).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
			expect(longest).toMatch(/^[A-Za-z0-9\-._~]{128}$/);
		});

		it('a wrong client secret -> OAuthError ERR_OAUTH 400/401; no part of the secret in its message, JSON or stack', () => {
			const error = report('oauth-error');
			expect(error).toMatchObject({ name: 'OAuthError', code: 'ERR_OAUTH', error: 'invalid_client', isOAuthError: true });
			expect([400, 401]).toContain(error.status);
			const secret = controlled.config.wrongSecret;
			const parts = new Set(secretForms(secret));
			for (let start = 0; start + 8 <= secret.length; start++) parts.add(secret.slice(start, start + 8));
			const shown = error.renderings.flatMap((text, index) => [...parts].filter((part) => text.includes(part)).map(() => index));
			expect(shown, 'renderings (by index) that show a part of the secret').toEqual([]);
		});

		it('ends by itself within its bound, with nothing left running', () => {
			expect(run.failure).toBeUndefined();
			expect(run.reports.at(-1)).toEqual({ step: 'done' });
			expect(run.process.timedOut).toBe(false);
			// A program exits 0 on its own; workerd is a server, stopped by the runner with SIGTERM (not the SIGKILL fallback).
			if (runtime.flavor === 'workerd') expect(run.process.signal ?? run.process.code).not.toBe('SIGKILL');
			else expect(run.process.code).toBe(0);
		});
	});
}
