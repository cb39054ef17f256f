import { InvalidOptionError } from '../errors.js';
import type { TlsClientAuthMethod, TlsClientAuthOptions } from './tls-client-auth.js';

/**
 * The browser build's {@link tlsClientAuth}: it throws. A browser chooses the client certificate for a TLS connection
 * itself (from the person's store, asking them), and no script can hand it one; nor should a certificate's private key
 * be in a page. The build carries no TLS code, and no import of `undici`.
 */
export function tlsClientAuth(_options: TlsClientAuthOptions): TlsClientAuthMethod {
	throw new InvalidOptionError(
		'clientAuth',
		'tlsClientAuth() works on Node only: a browser presents client certificates itself, a script cannot. A public client (an SPA) uses PKCE, and DPoP to bind its tokens.',
	);
}
