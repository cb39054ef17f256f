import { SeenProofs } from '../dpop/seen-proofs.js';
import type { ClientKeys } from './client-keys.js';
import { ASSERTION_LEEWAY } from './verify-assertion.js';

/** What an authorization server needs to take client assertions: its clients' keys, the ids seen, its endpoints. */
export class ClientAssertionPolicy {
	readonly keys: ClientKeys;
	/** The URLs of its endpoints: an `aud` naming one is refused, and the refusal says so. */
	readonly endpoints: readonly string[];
	// Per client: two clients may well pick the same jti.
	readonly #seen = new SeenProofs();

	constructor(keys: ClientKeys, endpoints: readonly string[]) {
		this.keys = keys;
		this.endpoints = endpoints;
	}

	/** `false` when `clientId` used `jti` already (a replay); else remembers it until `exp` (and the leeway) has passed. */
	remember(clientId: string, jti: string, exp: number, now: number): boolean {
		return this.#seen.remember(`${clientId} ${jti}`, exp + ASSERTION_LEEWAY, now);
	}
}
