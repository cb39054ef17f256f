import { base64UrlEncode } from '../emulator/random.js';
import { invalidOption } from '../../options.js';

/** A public key as registered for a client (a JWK with no private member). */
export type ClientPublicJwk = JsonWebKey & { kid?: string };

/** A client's public keys, as in a JWK Set (`jwks` client metadata, RFC 7591 2). */
export interface ClientJwks {
	keys: ReadonlyArray<ClientPublicJwk>;
}

// The members that make a JWK private (RFC 7518 6.2.2, 6.3.2; RFC 8037 2): a server must never be given them.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Validates a client's `jwks` option: public RSA, EC P-256 or OKP Ed25519 keys only (the algorithms the emulator
 * checks assertions with), throwing an InvalidOptionError that names the bad key. A private key is refused, so a
 * test cannot hand the server more than a real one would hold.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function checkClientJwks(option: string, jwks: ClientJwks | undefined): ClientPublicJwk[] | undefined {
	if (jwks === undefined) return undefined;
	if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
		throw invalidOption(option, 'a JWK Set: `{ keys: [publicJwk, ...] }` with at least one key', jwks);
	}
	return jwks.keys.map((key, index) => checkPublicJwk(`${option}.keys[${index}]`, key));
}

/** `jwk` if it is a public key the emulator can check assertions with; else throws an InvalidOptionError naming `option`. */
export function checkPublicJwk(option: string, jwk: ClientPublicJwk): ClientPublicJwk {
	if (typeof jwk !== 'object' || jwk === null) throw invalidOption(option, 'a public JWK', jwk);
	// Never describe the value: it might be a private key given by mistake.
	if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
		throw invalidOption(option, 'a public JWK (it holds a private member: register the public half only)', jwk);
	}
	const supported =
		(jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') ||
		(jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') ||
		(jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string');
	if (!supported) throw invalidOption(option, 'a public RSA, EC P-256 or OKP Ed25519 JWK', jwk.kty, true);
	if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) {
		throw invalidOption(`${option}.kid`, 'a non-empty string or absent', jwk.kid);
	}
	return { ...jwk };
}

/**
 * The public keys registered for each client of one authorization server: from the clients' `jwks` option, and added
 * later by `registerClientKey()`. A client with a key is confidential, as one with a secret is.
 */
export class ClientKeys {
	readonly #keys = new Map<string, ClientPublicJwk[]>();

	constructor(clients: ReadonlyArray<{ readonly clientId: string; readonly jwks?: readonly ClientPublicJwk[] | undefined }>) {
		for (const client of clients) if (client.jwks !== undefined) this.#keys.set(client.clientId, [...client.jwks]);
	}

	/** The keys of `clientId`, oldest first; none for a client without keys. */
	of(clientId: string): readonly ClientPublicJwk[] {
		return this.#keys.get(clientId) ?? [];
	}

	/** Whether `clientId` has at least one key (and so must authenticate, even without a secret). */
	has(clientId: string): boolean {
		return this.of(clientId).length > 0;
	}

	/** Adds `jwk` (a checked public key with its `kid`) to `clientId`'s keys; a key with the same `kid` is replaced. */
	add(clientId: string, jwk: ClientPublicJwk & { kid: string }): void {
		const keys = this.of(clientId).filter((key) => key.kid !== jwk.kid);
		this.#keys.set(clientId, [...keys, jwk]);
	}
}

/**
 * The JWK thumbprint of a public key (SHA-256, base64url): the `kid` a key registered without one gets.
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3
 */
export async function jwkThumbprint(jwk: ClientPublicJwk): Promise<string> {
	// The required members only, in lexicographic order (RFC 7638 3.2).
	const members =
		jwk.kty === 'RSA'
			? { e: jwk.e, kty: jwk.kty, n: jwk.n }
			: jwk.kty === 'EC'
				? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
				: { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(members)));
	return base64UrlEncode(new Uint8Array(digest));
}
