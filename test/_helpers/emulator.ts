import { afterAll, afterEach, beforeAll } from 'vitest';
import { createEmulator, type CreateEmulatorOptions, type Emulator } from '../../src/testing/index.js';

/**
 * One emulator for a test file, on 127.0.0.1: started before the first test, closed after the last, its faults,
 * counters and consent reset between tests. Returns the accessor to use inside tests.
 */
export function useEmulator(options?: CreateEmulatorOptions): () => Emulator {
	let emulator: Emulator | undefined;
	beforeAll(async () => {
		emulator = await createEmulator(options);
	});
	afterAll(() => emulator?.close());
	afterEach(() => {
		emulator?.clearFaults();
		emulator?.resetCounters();
		emulator?.setConsent('allow');
	});
	return () => {
		if (!emulator) throw new Error('the emulator is not started yet: use it inside a test or hook');
		return emulator;
	};
}
