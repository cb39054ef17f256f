import { parseUrl } from '../emulator/loopback.js';
import { oauthError } from './oauth-request.js';
import { splitScope, type ProtectedResource } from './server-config.js';

/** The parameter RFC 8707 adds to authorization and token requests; the one parameter that may be repeated. */
export const RESOURCE_PARAMETER = 'resource';

/** The parameters a request to a server with `resources` may repeat (RFC 8707 2), none for one without. */
export function repeatableParameters(resources: readonly ProtectedResource[] | undefined): readonly string[] {
	return resources === undefined ? [] : [RESOURCE_PARAMETER];
}

/**
 * The resources named by an authorization (or device authorization) request's `resource` parameters, deduplicated in
 * the order given, or the `invalid_target` description when one is not a resource of the server.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
 */
export function namedResources(
	params: URLSearchParams,
	resources: readonly ProtectedResource[],
): { readonly resources: readonly string[] } | { readonly refused: string } {
	const named = [...new Set(params.getAll(RESOURCE_PARAMETER))];
	for (const value of named) {
		const refused = refuseUnknown(value, resources);
		if (refused !== undefined) return { refused };
	}
	return { resources: named };
}

/**
 * The one resource a token request targets (undefined: none was named, so the token gets the server's default
 * audience), or the `invalid_target` answer: an unknown resource, or more than one (a token here has one audience,
 * as oidc-provider's have; the client asks for the next one by refresh).
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export function tokenTarget(
	form: URLSearchParams,
	resources: readonly ProtectedResource[] | undefined,
): ProtectedResource | undefined | Response {
	if (resources === undefined) return undefined;
	const named = [...new Set(form.getAll(RESOURCE_PARAMETER))];
	if (named.length === 0) return undefined;
	if (named.length > 1) {
		return invalidTarget('Name one resource per token request: a token is issued for one resource. Get the others by refresh.');
	}
	const refused = refuseUnknown(named[0]!, resources);
	if (refused !== undefined) return invalidTarget(refused);
	return resources.find((resource) => resource.identifier === named[0]);
}

/**
 * The `invalid_target` answer when `target` is not a resource of the grant: `granted` are the resources named at
 * authorization; a grant that named none covers every resource of the server.
 */
export function refuseUngranted(target: ProtectedResource | undefined, granted: readonly string[] | undefined): Response | undefined {
	if (target === undefined || granted === undefined || granted.includes(target.identifier)) return undefined;
	return invalidTarget(
		`The resource ${target.identifier} was not named at authorization: this grant covers ${granted.join(', ')}. ` +
			'Log in again naming it.',
	);
}

/** The scope a token for `resource` carries of `scope`: the names the resource knows, or all of them without a resource. */
export function scopeForResource(scope: string, resource: ProtectedResource | undefined): string {
	const known = resource?.scopes;
	if (known === undefined) return scope;
	return splitScope(scope)
		.filter((name) => known.includes(name))
		.join(' ');
}

function refuseUnknown(value: string, resources: readonly ProtectedResource[]): string | undefined {
	if (resources.some((resource) => resource.identifier === value)) return undefined;
	const url = parseUrl(value);
	// RFC 8707 2: an absolute URI without a fragment. The value itself is not echoed: it is whatever the client sent.
	if (url === undefined || value.includes('#')) return 'A resource must be an absolute URI without a fragment (RFC 8707 2).';
	const known = resources.map((resource) => resource.identifier).join(', ');
	return `Unknown resource: this server issues tokens for ${known || 'no resource'}, named exactly.`;
}

function invalidTarget(description: string): Response {
	return oauthError('invalid_target', description);
}
