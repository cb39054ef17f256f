/** Where the provider is: set by server.ts in the page (a script before the app's), once the emulator listens. */
export interface ExampleConfig {
	/** The emulator's OAuth2 server (an OpenID Provider), on another origin than the app. */
	readonly issuer: string;
	/** Its public client: authorization code with PKCE, any loopback redirect URI. */
	readonly clientId: string;
}

declare global {
	interface Window {
		TOKENKEEPER_EXAMPLE: ExampleConfig;
	}
}

export const { issuer, clientId } = window.TOKENKEEPER_EXAMPLE;
