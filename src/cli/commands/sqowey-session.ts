import { sqowey } from '../../index.js';
import { requireOption, withFlagNames, type OptionSpecs } from '../args.js';
import type { LoginQuery } from '../session-lookup.js';

/** The flags that name a Sqowey login session (`token sqowey`, `logout sqowey`). */
export const SQOWEY_SESSION_OPTIONS = {
	'client-id': { type: 'string' },
	url: { type: 'string' },
} as const satisfies OptionSpecs;

/** Their `--help` lines. */
export const SQOWEY_SESSION_OPTIONS_HELP = `\
  --client-id <id>          the application's id, as given to login (required)
  --url <url>               the Sqowey API, as given to login; without it, the one login stored for this
                            client id, whatever its URL (default for login: https://api.sqowey.de)`;

/** Only a login sends the redirect URI: a session's refresh and revocation need some valid one. */
const UNUSED_REDIRECT_URI = 'http://127.0.0.1/callback';

/** The login session the flags mean: the one at `--url`, or, without it, the one stored for this client id. */
export function sqoweyLoginQuery(values: { readonly 'client-id'?: string; readonly url?: string }, command: string): LoginQuery {
	const clientId = requireOption(values['client-id'], 'client-id', command);
	const url = values.url;
	return {
		command,
		provider: 'sqowey',
		clientId,
		scope: undefined,
		named: url === undefined ? undefined : withFlagNames(() => sqowey({ url, clientId, redirectUri: UNUSED_REDIRECT_URI }), command),
		loginCommand: ['tokenkeeper login sqowey', `--client-id ${clientId}`, ...(url ? [`--url ${url}`] : [])].join(' '),
		fromMeta: (meta) => {
			try {
				return sqowey({ url: meta.url, clientId, redirectUri: UNUSED_REDIRECT_URI });
			} catch {
				return undefined;
			}
		},
		flagsOf: (meta) => `--url ${meta.url}`,
	};
}
