import type { AccessTokenRecord } from '../emulator/issued-tokens.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { unauthorized } from '../emulator/responses.js';

/** The token of an `Authorization: Bearer` or `Authorization: DPoP` header, with its scheme. */
function presentedToken(request: Request): { readonly scheme: 'bearer' | 'dpop'; readonly token: string } | undefined {
	const match = /^(bearer|dpop)[ ]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
	return match ? { scheme: match[1]!.toLowerCase() as 'bearer' | 'dpop', token: match[2]! } : undefined;
}

/** A protected resource with an identifier (RFC 8707) and metadata (RFC 9728), as an API checks its tokens. */
export interface AudienceCheck {
	/** The audience a token must have here. */
	readonly identifier: string;
	/** Its RFC 9728 metadata, named in every challenge (`resource_metadata`), so a client can find where to log in. */
	readonly metadataUrl: string;
}

/**
 * The access token record a protected resource of `provider` may serve, or the 401 it answers: no token (a bare
 * challenge, RFC 6750 3.1), an unknown, expired or revoked one (`invalid_token`), one for another audience than
 * `resource` (without one: the server's own endpoint, which takes only tokens issued without `resource`), and, for a
 * DPoP-bound token, a missing or bad proof, a proof by another key, or the token sent as Bearer (RFC 9449 7). While
 * DPoP is on, the challenge is `DPoP algs="ES256"`; a resource names its metadata in it (RFC 9728 5.1).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export async function authorizeResourceRequest(
	state: EmulatorState,
	request: Request,
	provider: string,
	resource?: AudienceCheck,
): Promise<AccessTokenRecord | Response> {
	const refuse = (error?: string, description?: string) => unauthorized(challenge(state.dpop.enabled, resource, error, description));
	const presented = presentedToken(request);
	if (presented === undefined) return refuse();
	const record = state.tokens.validAccess(presented.token, provider);
	if (!record) return refuse('invalid_token');
	const audienceRefusal = refuseAudience(record, resource);
	if (audienceRefusal !== undefined) return refuse('invalid_token', audienceRefusal);
	if (record.jkt === undefined) return presented.scheme === 'bearer' ? record : refuse('invalid_token', 'This token is not DPoP-bound.');
	if (presented.scheme !== 'dpop') {
		state.dpop.refuseBinding();
		return refuse('invalid_token', 'This token is DPoP-bound: present it with the DPoP scheme and a proof.');
	}
	const proof = await state.dpop.judge(request, 'api', presented.token);
	if (proof.refused !== undefined) return refuse(proof.error, proof.description);
	if (proof.jkt !== record.jkt) {
		state.dpop.refuseBinding();
		return refuse('invalid_dpop_proof', 'The proof is signed by another key than the one the token is bound to.');
	}
	return record;
}

/** Why a token's audience is not this endpoint's (RFC 8707: a token is for the resource it was issued for), if it is not. */
function refuseAudience(record: AccessTokenRecord, resource: AudienceCheck | undefined): string | undefined {
	if (record.audience === resource?.identifier) return undefined;
	if (resource === undefined)
		return `This token is for the resource ${record.audience}: this endpoint takes a token issued without resource.`;
	if (record.audience === undefined)
		return `This token was issued without resource: ask for one with resource=${resource.identifier} (RFC 8707).`;
	return 'This token was issued for another resource.';
}

/** `Bearer` or `DPoP algs="ES256"`, then the error, its description and the resource's metadata, when there are. */
function challenge(dpop: boolean, resource: AudienceCheck | undefined, error?: string, description?: string): string {
	const params = [
		dpop ? 'algs="ES256"' : undefined,
		error === undefined ? undefined : `error="${error}"`,
		description === undefined ? undefined : `error_description="${description}"`,
		resource === undefined ? undefined : `resource_metadata="${resource.metadataUrl}"`,
	].filter((param) => param !== undefined);
	return `${dpop ? 'DPoP' : 'Bearer'}${params.length === 0 ? '' : ` ${params.join(', ')}`}`;
}
