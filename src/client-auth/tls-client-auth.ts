import { InvalidOptionError } from '../errors.js';
import { invalidOption } from '../options.js';
import { authenticatedEndpoints } from './authenticated-endpoints.js';
import { certificateFetch, type TlsMaterial } from './certificate-fetch.js';
import type { ClientAuthMethod, ClientAuthSession } from '../provider.js';

/** PEM text, or its bytes (a `Buffer` read from a file). */
export type Pem = string | Uint8Array;

/** Options of {@link tlsClientAuth}. */
export interface TlsClientAuthOptions {
	/** The client's certificate (PEM), with its intermediates after it when the server needs them. */
	readonly cert: Pem;
	/** The certificate's private key (PEM, unencrypted). Never logged, serialized or put in an error. */
	readonly key: Pem;
	/** The CAs the servers' certificates are checked against, instead of Node's: a private PKI's root. */
	readonly ca?: Pem | readonly Pem[] | undefined;
	/**
	 * `true` when the server knows the client by its self-signed certificate (`self_signed_tls_client_auth`, RFC 8705
	 * 2.2), not by a CA's (`tls_client_auth`, 2.1, the default). Only the method's name changes: the client does the
	 * same thing either way.
	 */
	readonly selfSigned?: boolean | undefined;
}

/** A {@link ClientAuthMethod} that presents a client certificate, with the `fetch` that presents it to APIs too. */
export interface TlsClientAuthMethod extends ClientAuthMethod {
	readonly method: 'tls_client_auth' | 'self_signed_tls_client_auth';
	/**
	 * undici's fetch over TLS with the client certificate, trusting `ca`: give it as `fetch` to `createClient` or
	 * `authFetch`, whose API calls must present the certificate the tokens are bound to (RFC 8705 3).
	 */
	readonly fetch: typeof globalThis.fetch;
}

function isPem(value: unknown): value is Pem {
	return (typeof value === 'string' && value !== '') || (value instanceof Uint8Array && value.length > 0);
}

function textOf(pem: Pem): string {
	return typeof pem === 'string' ? pem : new TextDecoder().decode(pem);
}

/**
 * Node's `crypto`, looked up when a method is made (`process.getBuiltinModule`, Node 20.16+), never imported: the main
 * entry loads in Deno, Bun and workerd too, which must not meet a Node built-in at its top.
 */
function nodeCrypto(): typeof import('node:crypto') {
	const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
	const crypto = getBuiltinModule?.('node:crypto') as typeof import('node:crypto') | undefined;
	if (!crypto?.X509Certificate) throw new InvalidOptionError('clientAuth', 'tlsClientAuth() works on Node only (20.18.1 or later)');
	return crypto;
}

/**
 * `cert` and `key`, checked once when the method is made, so that a wrong file fails there and not at the first token
 * request. Node's own messages are left out: what is wrong, never what was given.
 */
function materialOf({ cert, key, ca }: TlsClientAuthOptions): TlsMaterial {
	if (!isPem(cert)) throw invalidOption('cert', 'a PEM certificate (a string or a Buffer)', cert);
	if (!isPem(key)) throw invalidOption('key', 'a PEM private key (a string or a Buffer)', key);
	const cas: readonly unknown[] | undefined = ca === undefined ? undefined : Array.isArray(ca) ? ca : [ca];
	if (cas?.some((one) => !isPem(one))) throw invalidOption('ca', 'PEM certificates (strings or Buffers)', ca);
	const material = { cert: textOf(cert), key: textOf(key), ca: cas?.map((one) => textOf(one as Pem)) };
	const { X509Certificate, createPrivateKey } = nodeCrypto();
	try {
		new X509Certificate(material.cert);
	} catch {
		throw new InvalidOptionError('cert', 'Expected `cert` to be a PEM certificate Node can read');
	}
	try {
		createPrivateKey(material.key);
	} catch {
		throw new InvalidOptionError('key', 'Expected `key` to be an unencrypted PEM private key Node can read');
	}
	return material;
}

/**
 * Authenticate the client with its X.509 certificate (mutual TLS, RFC 8705 2): each POST to the server's token,
 * revocation, device authorization or PAR endpoint goes over TLS presenting `cert`, to the endpoint's alias in the
 * server's `mtls_endpoint_aliases` when it has one; the body keeps `client_id` and carries no secret. Tokens the server
 * binds to the certificate (RFC 8705 3: `cnf.x5t#S256`) must be presented with it too: give the method's `fetch` to
 * `createClient` or `authFetch` (their token requests then use it too, as discovery does, trusting `ca`).
 *
 * Node only: it sends with the optional package `undici` (`npm install undici`), its `Agent` holding the certificate,
 * loaded at the first request. The browser build has a twin that throws: a browser chooses client certificates itself.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 * @example
 * const mtls = tlsClientAuth({ cert: await readFile('client.pem'), key: await readFile('client.key') });
 * const api = createClient({ prefixUrl, auth: oauth2({ issuer, clientId, clientAuth: mtls }), fetch: mtls.fetch });
 */
export function tlsClientAuth(options: TlsClientAuthOptions): TlsClientAuthMethod {
	const given = options ?? ({} as TlsClientAuthOptions);
	const send = certificateFetch(materialOf(given), 'tlsClientAuth()');
	const authenticate = (base: typeof fetch, session: ClientAuthSession): typeof fetch => {
		let routes: ReadonlyMap<string, string> | undefined;
		return async (input, init = {}) => {
			// Token requests are POSTs with a string body; discovery and the rest go as they came.
			if (init.method !== 'POST' || typeof init.body !== 'string') return base(input, init);
			routes ??= authenticatedEndpoints(await session.endpoints());
			const target = routes.get(input instanceof Request ? input.url : String(input));
			return target === undefined ? base(input, init) : send(target, init);
		};
	};
	return Object.freeze({
		method: given.selfSigned ? ('self_signed_tls_client_auth' as const) : ('tls_client_auth' as const),
		authenticate,
		fetch: send,
	});
}
