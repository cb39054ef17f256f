import { base64url } from '../base64url.js';
import { invalidOption } from '../options.js';

/** Where an assertion's `aud` points: the issuer identifier (the default), the endpoint it is sent to, or a URL. */
export type AssertionAudience = 'issuer' | 'token-endpoint' | (string & {});

/** What both assertion methods share: where `aud` points, and how long an assertion lives. */
export interface AssertionOptions {
	/**
	 * The assertion's `aud`. Default `'issuer'`: the authorization server's issuer identifier, as FAPI 2.0 requires and
	 * as closes the audience-injection attack on RFC 7523 (2025); `'token-endpoint'` (the URL the request goes to) only
	 * where a server documents that, or a URL of your choosing.
	 */
	readonly audience?: AssertionAudience | undefined;
	/** Seconds an assertion is valid after it is made. Default 60. */
	readonly lifetime?: number | undefined;
}

/** How one kind of assertion is signed: its header's `alg` and `kid`, and the signature over the signing input. */
export interface AssertionSigning {
	readonly alg: string;
	readonly kid?: string | undefined;
	sign(input: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

/** Who signs, for whom, when: the claims of one assertion come from it. */
export interface AssertionClaims {
	readonly clientId: string;
	/** The `aud`: the issuer identifier, the endpoint, or the URL `audience` names. */
	readonly audience: string;
	/** Epoch ms. */
	readonly now: number;
	/** Seconds. */
	readonly lifetime: number;
}

// Pure: an app that signs no assertion (a browser SPA) must not keep this line, as a bundler keeps any `new` of a global.
const encoder = /* @__PURE__ */ new TextEncoder();

function encodePart(value: object): string {
	return base64url(encoder.encode(JSON.stringify(value)));
}

/** `lifetime`, checked once when the method is made: a positive whole number of seconds. */
export function requireLifetime(lifetime: unknown): number {
	if (lifetime === undefined) return 60;
	if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime <= 0) {
		throw invalidOption('lifetime', 'a positive integer (seconds)', lifetime, true);
	}
	return lifetime;
}

/** `audience`, checked once when the method is made. */
export function requireAudience(audience: unknown): AssertionAudience {
	if (audience === undefined) return 'issuer';
	if (audience === 'issuer' || audience === 'token-endpoint' || (typeof audience === 'string' && URL.canParse(audience))) return audience;
	throw invalidOption('audience', '"issuer", "token-endpoint" or an absolute URL', audience, true);
}

/** The `aud` an assertion for a request to `endpoint` carries. */
export function audienceOf(audience: AssertionAudience, issuer: string | undefined, endpoint: string): string {
	if (audience === 'token-endpoint') return endpoint;
	if (audience !== 'issuer') return audience;
	if (issuer === undefined) {
		throw invalidOption(
			'issuer',
			"set, or the assertion's `audience`: a client assertion's `aud` is the authorization server's issuer identifier",
			undefined,
		);
	}
	return issuer;
}

/**
 * One client assertion (RFC 7523 3): `iss` and `sub` the client id, `aud`, a new `jti`, `iat` and a short `exp`,
 * signed as `signing` says.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export async function signAssertion(signing: AssertionSigning, { clientId, audience, now, lifetime }: AssertionClaims): Promise<string> {
	const iat = Math.floor(now / 1000);
	const header = signing.kid === undefined ? { alg: signing.alg } : { alg: signing.alg, kid: signing.kid };
	const claims = {
		iss: clientId,
		sub: clientId,
		aud: audience,
		jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
		iat,
		exp: iat + lifetime,
	};
	const input = `${encodePart(header)}.${encodePart(claims)}`;
	return `${input}.${base64url(await signing.sign(encoder.encode(input)))}`;
}
