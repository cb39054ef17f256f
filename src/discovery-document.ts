import * as z from 'zod/mini';
import { TokenResponseError } from './errors.js';
import type { DiscoveryStep, ProviderEndpoints } from './provider-endpoints.js';
import { AbsoluteUrl, WireString } from './wire-fields.js';

/**
 * The fields of an OpenID Provider Configuration document that tokenkeeper uses; an OAuth 2.0 Authorization Server
 * Metadata document (RFC 8414) names them alike.
 */
const DiscoveryDocumentSchema = z.object({
	issuer: WireString,
	token_endpoint: AbsoluteUrl,
	authorization_endpoint: z.optional(AbsoluteUrl),
	revocation_endpoint: z.optional(AbsoluteUrl),
	device_authorization_endpoint: z.optional(AbsoluteUrl),
	jwks_uri: z.optional(AbsoluteUrl),
	userinfo_endpoint: z.optional(AbsoluteUrl),
	end_session_endpoint: z.optional(AbsoluteUrl),
	pushed_authorization_request_endpoint: z.optional(AbsoluteUrl),
	require_pushed_authorization_requests: z.optional(z.boolean()),
	// RFC 8705 5: the same endpoints, where a client presents its certificate.
	mtls_endpoint_aliases: z.optional(
		z.object({
			token_endpoint: z.optional(AbsoluteUrl),
			revocation_endpoint: z.optional(AbsoluteUrl),
			device_authorization_endpoint: z.optional(AbsoluteUrl),
			pushed_authorization_request_endpoint: z.optional(AbsoluteUrl),
			userinfo_endpoint: z.optional(AbsoluteUrl),
		}),
	),
});

/** Where a discovery document came from: what it must name, and what messages say. */
export interface DiscoverySource {
	/** The issuer it was fetched for, without trailing slashes. */
	readonly issuer: string;
	readonly url: string;
	readonly status: number;
	/** What the document is, for a person. Default: `OpenID discovery`. */
	readonly what?: string | undefined;
	/** What to do when it is unusable, for a person. Default: check `issuer`, or pass `tokenEndpoint`. */
	readonly advice?: string | undefined;
}

/**
 * The endpoints an OpenID Provider Configuration (or RFC 8414 Authorization Server Metadata) document names, with the
 * issuer they were fetched for, or a {@link TokenResponseError} saying why it is unusable. Pure: the endpoint layer
 * fetches the document, this reads it. Providers that discover bring it with them (`oauth2({ issuer })`,
 * `defineProvider()` without endpoints), so an app whose provider has fixed endpoints never bundles it.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.2
 */
export function readDiscoveryDocument(document: unknown, source: DiscoverySource): ProviderEndpoints {
	const { issuer, url, status, what = 'OpenID discovery', advice = 'Check `issuer`, or pass `tokenEndpoint`.' } = source;
	const parsed = DiscoveryDocumentSchema.safeParse(document);
	if (!parsed.success) {
		throw new TokenResponseError(`${what} at ${url} answered ${status} without a usable configuration. ${advice}`, { status });
	}
	// OpenID Connect Discovery 1.0 section 4.3, RFC 8414 section 3.3: the document must name the issuer it was fetched for.
	if (parsed.data.issuer.replace(/\/+$/, '') !== issuer) {
		throw new TokenResponseError(`${what} at ${url} names another issuer ("${parsed.data.issuer}"). ${advice}`, { status });
	}
	const aliases = parsed.data.mtls_endpoint_aliases;
	return {
		token: parsed.data.token_endpoint,
		authorization: parsed.data.authorization_endpoint,
		revocation: parsed.data.revocation_endpoint,
		deviceAuthorization: parsed.data.device_authorization_endpoint,
		jwks: parsed.data.jwks_uri,
		userInfo: parsed.data.userinfo_endpoint,
		endSession: parsed.data.end_session_endpoint,
		pushedAuthorization: parsed.data.pushed_authorization_request_endpoint,
		requirePushedAuthorization: parsed.data.require_pushed_authorization_requests,
		mtlsAliases: aliases && {
			token: aliases.token_endpoint,
			revocation: aliases.revocation_endpoint,
			deviceAuthorization: aliases.device_authorization_endpoint,
			pushedAuthorization: aliases.pushed_authorization_request_endpoint,
			userInfo: aliases.userinfo_endpoint,
		},
		// As the document spells it: what an ID token's `iss` must equal exactly (OpenID Connect Core 3.1.3.7).
		issuer: parsed.data.issuer,
	};
}

/**
 * OpenID discovery of `issuer` (without trailing slashes), as one step: `{issuer}/.well-known/openid-configuration`.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 */
export function openIdDiscovery(issuer: string): DiscoveryStep {
	const url = `${issuer}/.well-known/openid-configuration`;
	return {
		url,
		what: 'OpenID discovery endpoint',
		read: (document, status) => readDiscoveryDocument(document, { issuer, url, status }),
	};
}
