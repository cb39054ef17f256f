import type { Attributes } from '@opentelemetry/api';

/**
 * `https://login.example.com:8443` as OpenTelemetry's HTTP semantic-convention attributes: `server.address`,
 * `server.port`, `url.scheme`. Only the origin is ever given: no path, no query.
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/
 */
export function serverAttributes(origin: string): Attributes {
	if (!URL.canParse(origin)) return {};
	const url = new URL(origin);
	const scheme = url.protocol.slice(0, -1);
	return {
		'server.address': url.hostname,
		'server.port': Number(url.port) || (scheme === 'https' ? 443 : 80),
		'url.scheme': scheme,
	};
}

/** An OAuth error code as the server sent it: a short word (`invalid_grant`), else not used (it would be free text). */
const OAUTH_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * What a failure says about itself, for `error.type` and the `outcome` of metrics: the OAuth error code when the server
 * sent one (`invalid_grant`), else tokenkeeper's stable code (`ERR_TIMEOUT`), else the error's name. Never a message:
 * few values (metrics stay cheap), and nothing a server or a store wrote.
 */
export function errorType(error: unknown): string {
	const { error: oauth, code, name } = (error ?? {}) as { error?: unknown; code?: unknown; name?: unknown };
	if (typeof oauth === 'string' && OAUTH_ERROR_CODE.test(oauth)) return oauth;
	if (typeof code === 'string') return code;
	return typeof name === 'string' ? name : 'unknown';
}
