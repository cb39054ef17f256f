/** An endpoint's answer as the pure processing steps take it: nothing here does I/O. */
export interface RawTokenResponse {
	readonly status: number;
	readonly contentType: string;
	readonly bodyText: string;
	readonly receivedAt: number;
	readonly response?: Response;
	/** What the request carried that must never be shown: an error body may echo it, and it ends up in messages. */
	readonly secrets?: readonly string[];
}

/** The answer of a token or revocation request, ready to be processed; `secrets` as in {@link RawTokenResponse}. */
export function toRawResponse(response: Response, bodyText: string, receivedAt: number, secrets?: readonly string[]): RawTokenResponse {
	return {
		status: response.status,
		contentType: response.headers.get('content-type') ?? '',
		bodyText,
		receivedAt,
		response,
		secrets,
	};
}
