import type { AuthorizationServerConfig } from '../authorization-server/server-config.js';
import type { NormalizedSqoweyEmulatorOptions } from './options.js';

/** The provider name Sqowey tokens are recorded under. */
export const SQOWEY = 'sqowey';

/** The scopes Sqowey documents; `identity` is personal data, which shortens the code lifetime. */
const SQOWEY_SCOPES: readonly string[] = ['identity'];
const PERSONAL_SCOPES: readonly string[] = ['identity'];

/**
 * Sqowey as an authorization server: the authorization code and refresh token grants only, a scope that must
 * be named and known (its docs' `identify%bot` is refused), and codes that live 300 s, or 90 s for personal data.
 */
export function sqoweyServer(options: NormalizedSqoweyEmulatorOptions): AuthorizationServerConfig {
	return {
		provider: SQOWEY,
		displayName: 'Sqowey',
		clients: options.clients,
		subject: options.users[0]!.id,
		accessTokenLifetime: options.accessTokenLifetime,
		refreshTokens: true,
		grantTypes: ['authorization_code', 'refresh_token'],
		scopes: {
			refuse(requested) {
				if (requested.length === 0) return 'The scope parameter is missing; use e.g. scope=identity.';
				const unknown = requested.filter((scope) => !SQOWEY_SCOPES.includes(scope));
				if (unknown.length > 0) return `Unknown scope: ${unknown.join(' ')}. Scopes are separated by spaces (%20 or +).`;
				return undefined;
			},
			refuseOnRefresh(requested) {
				return requested.split(' ').some((name) => name !== '' && !SQOWEY_SCOPES.includes(name))
					? `Unknown scope in \`${requested}\`.`
					: undefined;
			},
		},
		codeLifetime(scopes) {
			return options.codeLifetime ?? (scopes.some((scope) => PERSONAL_SCOPES.includes(scope)) ? 90 : 300);
		},
	};
}
