import { htmlPage } from '../authorization-server/html-page.js';
import { issueTokens } from '../authorization-server/issue.js';
import { authenticateClient, oauthError, readOAuthForm } from '../authorization-server/oauth-request.js';
import type { RegisteredClient } from '../authorization-server/registrations.js';
import { namedResources, refuseUngranted, repeatableParameters, tokenTarget } from '../authorization-server/resource-indicators.js';
import { splitScope, type AuthorizationServerConfig } from '../authorization-server/server-config.js';
import type { GrantHandler } from '../authorization-server/token.js';
import type { ConsentMode, EmulatorState } from '../emulator/provider-module.js';
import { json, NO_STORE } from '../emulator/responses.js';
import type { DeviceLogins } from './device-logins.js';
import type { NormalizedOAuth2EmulatorOptions } from './options.js';
import { OAUTH2_PATHS } from './server.js';

const TITLE = 'OAuth2 emulator: device login';

/**
 * The device authorization grant's three parts: the device authorization endpoint a client starts at, the
 * verification page a person opens, and the token endpoint's answer to each poll.
 * @see https://www.rfc-editor.org/rfc/rfc8628
 */
export function createDeviceEndpoints(
	state: EmulatorState,
	server: AuthorizationServerConfig,
	options: NormalizedOAuth2EmulatorOptions,
	logins: DeviceLogins,
) {
	const verificationUri = `${state.url}${OAUTH2_PATHS.verify}`;

	/**
	 * `POST` with the client's authentication and `scope`: a device code for the client, a user code for the person.
	 * Like an authorization request, it may name several resources (RFC 8707), which the login then covers.
	 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
	 */
	async function deviceAuthorization(request: Request): Promise<Response> {
		const form = await readOAuthForm(request, repeatableParameters(server.resources));
		if (form instanceof Response) return form;
		const client = await authenticateClient(state, request, form, server);
		if (client instanceof Response) return client;
		const requested = splitScope(form.get('scope'));
		const refused = server.scopes.refuse(requested);
		if (refused !== undefined) return oauthError('invalid_scope', refused);
		const named = server.resources === undefined ? undefined : namedResources(form, server.resources);
		if (named !== undefined && 'refused' in named) return oauthError('invalid_target', named.refused);
		const resources = named === undefined || named.resources.length === 0 ? undefined : named.resources;
		const login = logins.start(client.clientId, requested.join(' '), resources, options.deviceCodeLifetime, options.deviceInterval);
		return json(
			{
				device_code: login.deviceCode,
				user_code: login.userCode,
				verification_uri: verificationUri,
				verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(login.userCode)}`,
				expires_in: options.deviceCodeLifetime,
				interval: options.deviceInterval,
			},
			200,
			NO_STORE,
		);
	}

	/**
	 * `GET` what a person opens: with `user_code`, the login is decided at once by the consent switch (no
	 * button to press), and the page says how; without, a form to type the code into.
	 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
	 */
	async function verify(request: Request, url: URL): Promise<Response> {
		// GET only: a HEAD (a link preview, a prefetch) must not decide a login.
		if (request.method !== 'GET') return htmlPage(405, TITLE, 'invalid_request', 'Use GET.');
		const userCode = url.searchParams.get('user_code');
		if (userCode === null) {
			const form = `<form method="get"><label>Code <input name="user_code" autocomplete="off"></label> <button>Continue</button></form>`;
			return htmlPage(200, TITLE, 'Device login', 'Enter the code your device shows.', form);
		}
		const outcome = logins.decide(userCode, state.consent);
		if (!outcome.ok) return htmlPage(400, TITLE, 'invalid_request', REFUSED[outcome.reason]);
		return outcome.decision === 'allow'
			? htmlPage(200, TITLE, 'Device approved', `The login ${outcome.userCode} is approved: go back to your device.`)
			: htmlPage(200, TITLE, 'Device login denied', `The login ${outcome.userCode} is denied: your device will not be logged in.`);
	}

	/**
	 * The token endpoint's `urn:ietf:params:oauth:grant-type:device_code`: one poll.
	 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
	 */
	// `jkt`: the poll that gets the tokens carried a DPoP proof, and they are bound to its key (RFC 9449 5).
	const deviceCodeGrant: GrantHandler = (form: URLSearchParams, client: RegisteredClient, jkt: string | undefined) => {
		const deviceCode = form.get('device_code');
		if (!deviceCode) return oauthError('invalid_request', 'The device_code parameter is missing.');
		const resource = tokenTarget(form, server.resources);
		if (resource instanceof Response) return resource;
		const outcome = logins.poll(deviceCode, client.clientId);
		if (!outcome.ok) return oauthError(outcome.error, outcome.description);
		const { login } = outcome;
		// After the poll, as for a code: the device code is spent by the poll that gets its answer.
		const ungranted = refuseUngranted(resource, login.resources);
		if (ungranted !== undefined) return ungranted;
		return issueTokens(
			state,
			server,
			{
				provider: server.provider,
				clientId: client.clientId,
				subject: server.subject,
				roles: [],
				scope: login.scope,
				session: login.session,
				jkt,
				resources: login.resources,
				// The person approved just before this poll; the emulator keeps no earlier time for it.
				authTime: Math.floor(state.now() / 1000),
			},
			{ resource },
		);
	};

	return { deviceAuthorization, verify, deviceCodeGrant };
}

/** Why a verification page refuses a code, for the person reading it. */
const REFUSED: Readonly<Record<'unknown' | 'expired' | 'decided', string>> = {
	unknown: 'This code is unknown: check it, or start the login on your device again.',
	expired: 'This code has expired: start the login on your device again.',
	decided: 'This code was already used.',
};

/** The message a control throws with when a device login cannot be decided. */
export function deviceDecisionError(reason: 'unknown' | 'expired' | 'decided', userCode: string | undefined, decision: ConsentMode): Error {
	const which = userCode === undefined ? 'the most recent pending device login' : `the device login ${userCode}`;
	const why = {
		unknown: userCode === undefined ? 'there is no pending device login' : 'no such user code was issued',
		expired: 'its code has expired',
		decided: 'it was already approved or denied',
	}[reason];
	return new Error(`Cannot ${decision === 'allow' ? 'approve' : 'deny'} ${which}: ${why}.`);
}
