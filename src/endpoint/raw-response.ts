import { redact } from './redaction.js';

/** An endpoint's answer as the pure processing steps take it: nothing here does I/O. */
export interface RawTokenResponse {
	readonly status: number;
	readonly contentType: string;
	readonly bodyText: string;
	readonly receivedAt: number;
	readonly response?: Response;
}

/**
 * The answer of a token or revocation request, ready to be processed. `secrets` (what the request carried) are
 * cut out of the body first: an error body may echo them, and it ends up in messages.
 */
export function toRawResponse(response: Response, bodyText: string, receivedAt: number, secrets: readonly string[] = []): RawTokenResponse {
	return {
		status: response.status,
		contentType: response.headers.get('content-type') ?? '',
		bodyText: redact(bodyText, secrets),
		receivedAt,
		response,
	};
}
