import type { Counters } from '../emulator/counters.js';
import { randomBase64Url } from '../emulator/random.js';
import { type EmulatorDpopOptions, type NormalizedDpopOptions, normalizeDpopOptions } from './options.js';
import { type ProofRefusal, verifyProof } from './proof-verification.js';
import { SeenProofs } from './seen-proofs.js';

/** Which server a nonce belongs to: the authorization server's and the APIs' are their own (RFC 9449 8, 9). */
export type NonceRole = 'token' | 'api';

/** A request's proof, judged: refused (with the answer to give), or accepted, with the key it binds to. */
export type ProofOutcome =
	| { readonly refused: ProofRefusal; readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce'; readonly description: string }
	| { readonly refused?: undefined; readonly jkt: string | undefined };

/**
 * The emulator's DPoP: off until `setDpop()` (or the `dpop` option) turns it on; then proofs are checked for real,
 * replays refused, nonces required and rotated as told, and every refusal counted by reason.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export class EmulatorDpop {
	readonly #now: () => number;
	readonly #counters: Counters;
	readonly #seen = new SeenProofs();
	readonly #nonces: Record<NonceRole, string | undefined> = { token: undefined, api: undefined };
	#options: NormalizedDpopOptions | undefined;

	constructor(now: () => number, counters: Counters, options: EmulatorDpopOptions | undefined) {
		this.#now = now;
		this.#counters = counters;
		this.set(options);
	}

	/** Turn DPoP on with these options, or off with `undefined`. Nonces start anew. */
	set(options: EmulatorDpopOptions | undefined): void {
		this.#options = options === undefined ? undefined : normalizeDpopOptions(options);
		this.#nonces.token = undefined;
		this.#nonces.api = undefined;
	}

	get enabled(): boolean {
		return this.#options !== undefined;
	}

	/** Whether every token and API request must carry a proof (so tokens are always bound). */
	get required(): boolean {
		return this.#options?.required ?? false;
	}

	/** The emulator's clock for proofs, in seconds. */
	#clock(): number {
		return Math.floor(this.#now() / 1000) + (this.#options?.clockOffset ?? 0);
	}

	/**
	 * Judge the proof of a request (none when DPoP is off: `{ jkt: undefined }`). `accessToken`: at a resource, the
	 * token presented with the `DPoP` scheme, which the proof's `ath` must hash.
	 */
	async judge(request: Request, role: NonceRole, accessToken?: string): Promise<ProofOutcome> {
		const options = this.#options;
		if (!options) return { jkt: undefined };
		const header = request.headers.get('dpop');
		if (header === null && !options.required && accessToken === undefined) return { jkt: undefined };
		const now = this.#clock();
		const check = await verifyProof(header, { method: request.method, url: request.url, now, window: options.iatWindow, accessToken });
		if (!check.ok) return this.#refuse(check.reason, 'invalid_dpop_proof', check.description);
		const { proof } = check;
		if (!this.#seen.remember(proof.jti, proof.iat + options.iatWindow, now)) {
			return this.#refuse('replay', 'invalid_dpop_proof', 'The DPoP proof was used already (jti replayed).');
		}
		if (options.nonce !== 'off' && (proof.nonce === undefined || proof.nonce !== this.#nonces[role])) {
			return this.#refuse(
				'nonce',
				'use_dpop_nonce',
				`${role === 'token' ? 'Authorization' : 'Resource'} server requires nonce in DPoP proof.`,
			);
		}
		this.#counters.dpopAccepted();
		return { jkt: proof.jkt };
	}

	/** A token bound to `jkt` was presented with a proof of another key, or without the `DPoP` scheme: counted. */
	refuseBinding(): ProofOutcome {
		return this.#refuse('binding', 'invalid_dpop_proof', 'The token is bound to another DPoP key, or was presented without DPoP.');
	}

	#refuse(reason: ProofRefusal, error: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string): ProofOutcome {
		this.#counters.dpopRefused(reason);
		return { refused: reason, error, description };
	}

	/**
	 * What every answer of a DPoP-speaking endpoint carries: the role's nonce (a new one first, when rotating or when
	 * there is none yet) and the emulator's `Date`, by which a client can correct its clock.
	 */
	decorate(response: Response, role: NonceRole): Response {
		const options = this.#options;
		if (!options) return response;
		if (options.nonce !== 'off') {
			if (options.nonce === 'rotate' || this.#nonces[role] === undefined) {
				this.#nonces[role] = randomBase64Url(16);
				this.#counters.dpopNonceIssued();
			}
			response.headers.set('dpop-nonce', this.#nonces[role]!);
		}
		response.headers.set('date', new Date(this.#clock() * 1000).toUTCString());
		return response;
	}
}
