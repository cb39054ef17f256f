import type { EmulatorCounters, EmulatorCredentials } from '../../src/testing/index.js';

/**
 * The runner <-> runtime protocol. The runtime is given one thing, the control server's URL (argv for Node, Deno and
 * Bun; the request body for workerd), and asks it for everything else over HTTP:
 * - `GET /config`: a {@link ScenarioConfig};
 * - `POST /reset-counters`, `POST /revoke-all-tokens`, `POST /expire-all-tokens`: the emulator switch of that name;
 * - `GET /counters`: the emulator's counters, read on the Node side.
 * Each answer is JSON: the counters after the action. The runtime reports one {@link StepReport} per step, as JSON
 * lines on stdout (Node, Deno, Bun) or as one JSON array answering the request (workerd); the runner asserts on them.
 */
export type ControlAction = 'reset-counters' | 'revoke-all-tokens' | 'expire-all-tokens' | 'counters';

/** What the scenario needs to know, served by the runner at `GET /config`. */
export interface ScenarioConfig extends Pick<EmulatorCredentials, 'squidex' | 'dotkernel'> {
	/** A wrong Squidex client secret, random per run: the runner looks for every part of it in the error's renderings. */
	readonly wrongSecret: string;
}

/** How a batch of concurrent API calls went. */
export interface CallTally {
	readonly ok: number;
	readonly failed: number;
	/** The distinct errors, `name: message`, at most five: enough to see why without flooding the report. */
	readonly errors: readonly string[];
}

/** Web APIs a session may lean on, and whether this runtime has them. */
export interface Features {
	readonly webLocks: boolean;
	readonly indexedDB: boolean;
	readonly localStorage: boolean;
	readonly sessionStorage: boolean;
	readonly webCrypto: boolean;
}

/** A batch of concurrent API calls, and the emulator's counters after it (reset before it). */
export interface BatchReport<S extends string> {
	readonly step: S;
	readonly calls: CallTally;
	readonly counters: EmulatorCounters;
}

export type StepReport =
	| {
			readonly step: 'environment';
			readonly runtime: string;
			/** The URLs `tokenkeeper` and `tokenkeeper/pkce` resolved to, where the runtime resolves them (none in a bundle). */
			readonly resolved: readonly string[];
			readonly features: Features;
			/** `createAuthorizationCodeFlow(…, { storage: 'local' })` here: `created` (its first use finds nobody signed in), or the error its first use rejects with. */
			readonly localFlow: string;
	  }
	| BatchReport<'squidex-cold'>
	| BatchReport<'revocation-storm'>
	| BatchReport<'dotkernel-rotation'>
	| {
			readonly step: 'pkce';
			readonly challenge: string;
			readonly verifiers: readonly string[];
			readonly shortest: string;
			readonly longest: string;
	  }
	| {
			readonly step: 'oauth-error';
			readonly name: string;
			readonly code: unknown;
			readonly status: unknown;
			readonly error: unknown;
			readonly isOAuthError: boolean;
			/** message, String(), JSON and stack of the error and of each cause. */
			readonly renderings: readonly string[];
	  }
	| { readonly step: 'failed'; readonly at: string; readonly message: string }
	| { readonly step: 'done' };

export type StepName = StepReport['step'];

/** Concurrent calls per batch. */
export const CALLS = { cold: 100, storm: 100, rotation: 20 } as const;
