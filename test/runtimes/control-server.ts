import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import type { ControlAction, ScenarioConfig } from './protocol.js';

/** The emulator a runtime's scenario runs against, and the loopback server through which it drives it. */
export interface ControlledEmulator {
	readonly emulator: Emulator;
	/** Base URL of the control server, without a trailing slash: the one input a runtime gets. */
	readonly controlUrl: string;
	readonly config: ScenarioConfig;
	/** Every control request, in order (`GET /config`, `POST /revoke-all-tokens`…): proof the runtime got that far. */
	readonly log: readonly string[];
	close(): Promise<void>;
}

/**
 * Starts an emulator and, beside it on 127.0.0.1, the control server of the protocol in protocol.ts: the scenario
 * asks it for its config, to flip the emulator's switches, and for the counters, which are read here in Node.
 */
export async function startControlledEmulator(): Promise<ControlledEmulator> {
	const emulator = await createEmulator({ providers: ['squidex', 'dotkernel'] });
	const { squidex, dotkernel } = emulator.credentials;
	const config: ScenarioConfig = {
		squidex,
		dotkernel,
		// Random and long, so that any 8 characters of it found in an error's text can only come from it.
		wrongSecret: `wrong-${randomBytes(24).toString('base64url')}`,
	};
	const actions: Record<ControlAction, () => void> = {
		'reset-counters': () => emulator.resetCounters(),
		'revoke-all-tokens': () => emulator.revokeAllTokens(),
		'expire-all-tokens': () => emulator.expireAllTokens(),
		counters: () => {},
	};
	const log: string[] = [];
	function answer(method: string | undefined, name: string): unknown {
		if (name === 'config') return method === 'GET' ? config : undefined;
		if (!Object.hasOwn(actions, name)) return undefined;
		const action = name as ControlAction;
		if (method !== (action === 'counters' ? 'GET' : 'POST')) return undefined;
		actions[action]();
		return emulator.counters();
	}
	const server = createServer((request, response) => {
		log.push(`${request.method} ${request.url}`);
		const body = answer(request.method, (request.url ?? '').slice(1));
		response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'no such action' }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		emulator,
		controlUrl: `http://127.0.0.1:${port}`,
		config,
		log,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await emulator.close();
		},
	};
}
