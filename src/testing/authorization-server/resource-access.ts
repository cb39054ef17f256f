import type { AccessTokenRecord } from '../emulator/issued-tokens.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { unauthorized } from '../emulator/responses.js';

/** The token of an `Authorization: Bearer` or `Authorization: DPoP` header, with its scheme. */
function presentedToken(request: Request): { readonly scheme: 'bearer' | 'dpop'; readonly token: string } | undefined {
	const match = /^(bearer|dpop)[ ]+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
	return match ? { scheme: match[1]!.toLowerCase() as 'bearer' | 'dpop', token: match[2]! } : undefined;
}

/**
 * The access token record a protected resource of `provider` may serve, or the 401 it answers: no token (a bare
 * challenge, RFC 6750 3.1), an unknown, expired or revoked one (`invalid_token`), and, for a DPoP-bound token, a
 * missing or bad proof, a proof by another key, or the token sent as Bearer (RFC 9449 7). While DPoP is on, the
 * challenge is `DPoP algs="ES256"`.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export async function authorizeResourceRequest(
	state: EmulatorState,
	request: Request,
	provider: string,
): Promise<AccessTokenRecord | Response> {
	const scheme = state.dpop.enabled ? 'DPoP algs="ES256"' : 'Bearer';
	const refuse = (error: string, description?: string) =>
		unauthorized(`${scheme}${state.dpop.enabled ? ',' : ''} error="${error}"${description ? `, error_description="${description}"` : ''}`);
	const presented = presentedToken(request);
	if (presented === undefined) return unauthorized(scheme);
	const record = state.tokens.validAccess(presented.token, provider);
	if (!record) return refuse('invalid_token');
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
