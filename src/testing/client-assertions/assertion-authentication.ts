import type { RegisteredClient } from '../authorization-server/registrations.js';
import type { AuthorizationServerConfig } from '../authorization-server/server-config.js';
import type { EmulatorState } from '../emulator/provider-module.js';
import { decodeCompact } from '../openid/jws.js';
import { type AssertionRefusal, verifyClientAssertion } from './verify-assertion.js';

/** The `client_assertion_type` of a JWT assertion. @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2 */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The client an assertion authenticates, or why it does not (the caller answers 401 invalid_client). */
export type AssertionAuthentication =
	| { readonly ok: true; readonly client: RegisteredClient }
	| { readonly ok: false; readonly reason: AssertionRefusal; readonly description: string };

/**
 * Authenticates a client by its `client_assertion` (private_key_jwt or client_secret_jwt): the client is the form's
 * `client_id`, or without one the assertion's `sub`; the assertion must pass every check of `verifyClientAssertion`,
 * and its `jti` must be new. Each outcome is counted in `counters().clientAssertions`.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export async function authenticateAssertion(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	assertion: string,
	formClientId: string | null,
): Promise<AssertionAuthentication> {
	const outcome = await judge(state, server, assertion, formClientId);
	if (outcome.ok) state.counters.clientAssertionAccepted();
	else state.counters.clientAssertionRefused(outcome.reason);
	return outcome;
}

async function judge(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	assertion: string,
	formClientId: string | null,
): Promise<AssertionAuthentication> {
	const refuse = (reason: AssertionRefusal, description: string) => ({ ok: false, reason, description }) as const;
	const policy = server.clientAssertions;
	if (policy === undefined) return refuse('client', 'Client authentication failed: this server takes no client assertions.');
	const subject = decodeCompact(assertion)?.payload.sub;
	const clientId = formClientId ?? (typeof subject === 'string' ? subject : undefined);
	if (clientId === undefined) return refuse('malformed', 'Client authentication failed: no client_id, and the assertion has no sub.');
	const client = server.clients.find((candidate) => candidate.clientId === clientId);
	if (client === undefined) return refuse('client', 'Client authentication failed: the client is not registered.');
	const now = state.now() / 1000;
	const check = await verifyClientAssertion(assertion, {
		clientId,
		issuer: state.url,
		endpoints: policy.endpoints,
		keys: policy.keys.of(clientId),
		secret: client.clientSecret,
		now,
	});
	if (!check.ok) return check;
	if (!policy.remember(clientId, check.jti, check.exp, now)) {
		return refuse('replay', 'Client authentication failed: the client assertion jti was used before (a replay).');
	}
	return { ok: true, client };
}
