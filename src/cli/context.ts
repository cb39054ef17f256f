import { createRequestLog, type RequestLog } from './request-log.js';

/** Something text can be written to: `process.stdout`, `process.stderr`, or a test's buffer. */
export interface TextSink {
	write(text: string): unknown;
}

/** Everything a command touches outside itself, injected so the commands hold no process globals. */
export interface CliContext {
	/** The arguments after `tokenkeeper`. */
	readonly argv: readonly string[];
	readonly env: Readonly<Record<string, string | undefined>>;
	readonly stdin: AsyncIterable<Uint8Array | string> & { readonly isTTY?: boolean | undefined };
	readonly stdout: TextSink;
	readonly stderr: TextSink;
	/**
	 * Every secret this run has read (client secret, password). Whatever reaches stderr is redacted against
	 * it, so even a server that echoes a secret back, or a `--verbose` stack, cannot print one.
	 */
	readonly secrets: Set<string>;
	/** The `fetch` every request of this run goes through, which notes the last one so that errors can name its URL. */
	readonly requests: RequestLog;
	/** Resolves with the signal's name on the first Ctrl-C (SIGINT) or SIGTERM. */
	waitForShutdown(): Promise<string>;
}

/** The context of the real process. */
export function createProcessContext(): CliContext {
	return {
		argv: process.argv.slice(2),
		env: process.env,
		stdin: process.stdin,
		stdout: process.stdout,
		stderr: process.stderr,
		secrets: new Set(),
		requests: createRequestLog(),
		waitForShutdown: () =>
			new Promise((resolve) => {
				const signals = ['SIGINT', 'SIGTERM'] as const;
				const onSignal = (signal: NodeJS.Signals) => {
					for (const name of signals) process.off(name, onSignal);
					// A second Ctrl-C while shutting down means "now".
					for (const name of signals) process.once(name, () => process.exit(130));
					resolve(signal);
				};
				for (const name of signals) process.on(name, onSignal);
			}),
	};
}
