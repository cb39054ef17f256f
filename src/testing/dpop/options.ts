import { InvalidOptionError } from '../../errors.js';
import { invalidOption } from '../../options.js';

/** How the emulator's OAuth2 and Sqowey servers and their APIs speak DPoP (RFC 9449); `setDpop()` switches it. */
export interface EmulatorDpopOptions {
	/**
	 * Refuse token and API requests without a proof (`invalid_dpop_proof`). Default `false`: a token request with a
	 * proof gets a DPoP-bound token, one without a Bearer token, as most servers do.
	 */
	readonly required?: boolean | undefined;
	/**
	 * Nonces (RFC 9449 8, 9): `'off'` (default); `'required'`: every proof must carry the server's current nonce (one
	 * for the authorization server, one for the APIs), named in `DPoP-Nonce` on every answer; `'rotate'`: the same, and
	 * each answer names a new nonce, the only one accepted from then on.
	 */
	readonly nonce?: 'off' | 'required' | 'rotate' | undefined;
	/** How far the emulator's clock for proofs (and its `Date` header) is from its `now`, in seconds. Default 0. */
	readonly clockOffset?: number | undefined;
	/** How far a proof's `iat` may be from that clock, in seconds. Default 60. */
	readonly iatWindow?: number | undefined;
}

/** {@link EmulatorDpopOptions} with every default applied. */
export interface NormalizedDpopOptions {
	readonly required: boolean;
	readonly nonce: 'off' | 'required' | 'rotate';
	readonly clockOffset: number;
	readonly iatWindow: number;
}

/** Validated once, at `createEmulator()` or `setDpop()`, so a typo fails in the test that made it. */
export function normalizeDpopOptions(options: EmulatorDpopOptions): NormalizedDpopOptions {
	if (typeof options !== 'object' || options === null) throw invalidOption('dpop', 'an object', options);
	const nonce = options.nonce ?? 'off';
	if (nonce !== 'off' && nonce !== 'required' && nonce !== 'rotate') {
		throw new InvalidOptionError('dpop.nonce', `Expected \`dpop.nonce\` to be 'off', 'required' or 'rotate', got \`${String(nonce)}\``);
	}
	const clockOffset = options.clockOffset ?? 0;
	if (!Number.isFinite(clockOffset)) throw invalidOption('dpop.clockOffset', 'a number of seconds', clockOffset, true);
	const iatWindow = options.iatWindow ?? 60;
	if (!(Number.isFinite(iatWindow) && iatWindow > 0))
		throw invalidOption('dpop.iatWindow', 'a positive number of seconds', iatWindow, true);
	return { required: options.required === true, nonce, clockOffset, iatWindow };
}
