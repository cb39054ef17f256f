import * as z from 'zod/mini';
import { InvalidOptionError, TokenResponseError } from '../errors.js';
import type { Provider } from '../provider.js';
import { tryParseJson } from '../try-parse-json.js';
import { AbsoluteUrl, NonEmptyString } from '../wire-fields.js';
import { answerOf, boundedRequest } from './bounded-request.js';
import { resolveEndpoints } from './discovery.js';
import { toRawResponse } from './raw-response.js';
import { buildTokenRequest } from './token-request.js';
import { processErrorResponse } from './token-response.js';
import type { Transport } from './transport.js';

/**
 * The device authorization response, as sent on the wire.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
const DeviceAuthorizationSchema = z.object({
	device_code: NonEmptyString,
	user_code: NonEmptyString,
	verification_uri: AbsoluteUrl,
	verification_uri_complete: z.optional(AbsoluteUrl),
	expires_in: z.custom<number>((value) => isFiniteNumber(value) && value > 0),
	interval: z.optional(z.custom<number>((value) => isFiniteNumber(value) && value >= 0)),
});

/** What `z.number()` accepts: a number, neither infinite (`1e999` parses as one) nor NaN. */
function isFiniteNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}

/** What the device authorization endpoint granted: what a person needs to log in elsewhere, and the polling terms. */
export interface DeviceAuthorization {
	/** Secret: the code this client polls with. Never shown to the person. */
	readonly deviceCode: string;
	readonly userCode: string;
	readonly verificationUri: string;
	readonly verificationUriComplete: string | undefined;
	/** Epoch ms after which the codes are dead. */
	readonly expiresAt: number;
	/** Seconds between polls; RFC 8628 says 5 when the server names none. */
	readonly interval: number;
}

/**
 * Start a device login: ask the provider for a device code and a user code, for the APIs `resources` names (RFC 8707:
 * the parameter repeated, as in an authorization request).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export function requestDeviceAuthorization(scope: string | undefined, resources: readonly string[] = []) {
	return (provider: Provider, transport: Transport, signal: AbortSignal | undefined) =>
		deviceAuthorization(provider, scope, resources, transport, signal);
}

/** The request's body with `values` under `name`, repeated in a form (RFC 8707 2.1), a list in JSON. */
function withRepeated(body: string, json: boolean, name: string, values: readonly string[]): string {
	if (values.length === 0) return body;
	if (json) return JSON.stringify({ ...(JSON.parse(body) as object), [name]: values.length === 1 ? values[0] : values });
	const form = new URLSearchParams(body);
	for (const value of values) form.append(name, value);
	return form.toString();
}

async function deviceAuthorization(
	provider: Provider,
	scope: string | undefined,
	resources: readonly string[],
	transport: Transport,
	signal: AbortSignal | undefined,
): Promise<DeviceAuthorization> {
	const endpoint = (await resolveEndpoints(provider, transport, signal)).deviceAuthorization;
	if (!endpoint) {
		throw new InvalidOptionError(
			'deviceAuthorizationEndpoint',
			`Provider ${provider.name} has no device authorization endpoint: set \`deviceAuthorizationEndpoint\`, or use an issuer that has one`,
		);
	}
	const request = buildTokenRequest(provider, endpoint, { scope });
	const body = withRepeated(request.body, provider.bodyEncoding === 'json', provider.resourceParameter ?? 'resource', resources);
	const outcome = await boundedRequest(request.url, { method: 'POST', headers: request.headers, body }, transport, signal);
	const { response, bodyText } = answerOf(outcome, 'device authorization endpoint', endpoint);
	const receivedAt = transport.now();
	if (!response.ok) {
		throw processErrorResponse(toRawResponse(response, bodyText, receivedAt, request.secrets), 'device authorization endpoint');
	}
	const parsed = DeviceAuthorizationSchema.safeParse(tryParseJson(bodyText));
	if (!parsed.success) {
		throw new TokenResponseError(
			`The device authorization endpoint answered ${response.status} without a usable device code. Check \`deviceAuthorizationEndpoint\`.`,
			{ status: response.status, response },
		);
	}
	const wire = parsed.data;
	return {
		deviceCode: wire.device_code,
		userCode: wire.user_code,
		verificationUri: wire.verification_uri,
		verificationUriComplete: wire.verification_uri_complete,
		expiresAt: receivedAt + wire.expires_in * 1000,
		interval: wire.interval ?? 5,
	};
}
