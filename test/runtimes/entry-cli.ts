import { runScenario } from './scenario.js';

/**
 * The scenario as a program, for Node, Deno and Bun: the control server's URL as its one argument, a JSON line per
 * step on stdout. It ends by itself: a timer or socket left open by tokenkeeper would keep it alive past the runner's
 * bound, which is a failure worth seeing.
 */
/** Set by the build: true where `tokenkeeper` stays an import that the runtime resolves itself (Node, Bun). */
declare const SCENARIO_RESOLVES_AT_RUN_TIME: boolean;

const runtime = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const controlUrl = runtime.Deno?.args[0] ?? runtime.process?.argv[2];
const name = runtimeName();

// Where the runtime found the package: its exports must lead it to dist/, as they would from node_modules.
const resolved = SCENARIO_RESOLVES_AT_RUN_TIME ? [import.meta.resolve('tokenkeeper'), import.meta.resolve('tokenkeeper/pkce')] : [];

if (controlUrl) await runScenario(controlUrl, name, resolved, (line) => console.log(JSON.stringify(line)));
else console.log(JSON.stringify({ step: 'failed', at: 'start', message: 'no control URL given' }));

function runtimeName(): string {
	const global = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; process?: { version: string } };
	if (global.Deno) return `Deno ${global.Deno.version.deno}`;
	if (global.Bun) return `Bun ${global.Bun.version}`;
	return `Node ${global.process?.version}`;
}
