import { setupServer } from 'msw/node';
import { createEmulator, providerHandlers, type EmulatorControls, type EmulatorOptions } from '../../src/testing/index.js';

/** A started emulator behind one transport, and how to stop it. */
export interface Started {
	readonly emulator: EmulatorControls;
	stop(): Promise<void>;
}

/** The two ways the same emulator logic is served; scenario tests run over both. */
export const transports = [
	{
		name: 'node server',
		async start(options?: EmulatorOptions): Promise<Started> {
			const emulator = await createEmulator(options);
			return { emulator, stop: () => emulator.close() };
		},
	},
	{
		name: 'msw handlers',
		async start(options?: EmulatorOptions): Promise<Started> {
			const emulator = providerHandlers(options);
			const server = setupServer(...emulator.handlers);
			server.listen({ onUnhandledRequest: 'error' });
			return { emulator, stop: async () => server.close() };
		},
	},
] as const;

// Every request in these tests is bounded, so a broken emulator fails a test instead of hanging it.
const TIMEOUT_MS = 2000;

/** POSTs an application/x-www-form-urlencoded body. */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
	return fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
		body: new URLSearchParams(fields).toString(),
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
}

/** POSTs a JSON body. */
export function postJson(url: string, body: unknown): Promise<Response> {
	return fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
}

/** Any request with a bearer token (or none). */
export function withToken(url: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
	return fetch(url, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
}
