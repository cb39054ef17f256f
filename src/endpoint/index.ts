import type { TokenkeeperError } from '../errors.js';
import type { GrantParameters } from '../grants.js';
import type { Provider, ProviderEndpoints } from '../provider.js';
import type { TokenSet } from '../token-set.js';
import { resolveEndpoints } from './discovery.js';
import { requestToken } from './request-token.js';
import { revoke } from './revoke.js';
import { normalizeTransport, type Transport, type TransportOptions } from './transport.js';

export { redact } from './redaction.js';
export { type DeviceAuthorization, requestDeviceAuthorization } from './device-authorization.js';
export type { Transport } from './transport.js';
export type { RetryOptions, TransportOptions } from './transport.js';

/**
 * One provider's authorization server, as the session's owner talks to it: the only way anything in tokenkeeper
 * sends to a token, discovery or revocation endpoint. Each call resolves the endpoint it needs itself.
 */
export interface TokenEndpoint {
	/** The clock every expiry is computed with. */
	readonly now: () => number;
	/** The provider's endpoints: configured, or discovered once from its issuer. */
	endpoints(signal?: AbortSignal): Promise<ProviderEndpoints>;
	/**
	 * One token request, retried on transient failures (rule 6); `retries` overrides the transport's for this request,
	 * `signal` stops it.
	 */
	requestToken(
		grant: GrantParameters,
		options?: { readonly signal?: AbortSignal | undefined; readonly retries?: number | undefined },
	): Promise<TokenSet>;
	/** Revoke a session's tokens (RFC 7009); resolves with what failed, never throws. */
	revoke(tokenSet: TokenSet): Promise<TokenkeeperError[]>;
	/**
	 * Run one more endpoint step (e.g. {@link requestDeviceAuthorization}) with this provider and transport, so that
	 * steps only some apps need are not carried by every bundle.
	 */
	call<T>(step: EndpointStep<T>, signal?: AbortSignal): Promise<T>;
}

/** An endpoint step of the session's provider, run with its transport by {@link TokenEndpoint.call}. */
export type EndpointStep<T> = (provider: Provider, transport: Transport, signal: AbortSignal | undefined) => Promise<T>;

/**
 * Bind a provider and its transport options (validated now) into a {@link TokenEndpoint}. `dpop`: the options'
 * `fetch` adds DPoP proofs to token requests.
 */
export function createTokenEndpoint(provider: Provider, options: TransportOptions = {}, dpop?: boolean): TokenEndpoint {
	const transport: Transport = normalizeTransport(options, dpop);
	return {
		now: transport.now,
		endpoints: (signal) => resolveEndpoints(provider, transport, signal),
		requestToken: (grant, { signal, retries } = {}) =>
			requestToken(provider, grant, retries === undefined ? transport : { ...transport, retry: { ...transport.retry, retries } }, signal),
		revoke: (tokenSet) => revoke(provider, tokenSet, transport),
		call: (step, signal) => step(provider, transport, signal),
	};
}
