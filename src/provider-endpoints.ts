/** Where the provider's endpoints are. `refresh` defaults to `token`. */
export interface ProviderEndpoints {
	readonly token: string;
	readonly refresh?: string | undefined;
	readonly authorization?: string | undefined;
	readonly revocation?: string | undefined;
	/** The device authorization endpoint (RFC 8628), for logins on machines without a browser. */
	readonly deviceAuthorization?: string | undefined;
}
