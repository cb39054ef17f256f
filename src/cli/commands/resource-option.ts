import { UsageError } from '../cli-error.js';

/**
 * `--resource <url>`: the API a token is for (RFC 8707 resource indicator). Repeatable on `login` (one login for
 * several APIs); one per `token` run (a token is for one API).
 */
export const RESOURCE_OPTION = { resource: { type: 'string', multiple: true } } as const;

/**
 * The `--resource` of a `token` command: `undefined` without one, else the one absolute URL given. Two are a usage
 * error: a token has one audience (RFC 8707 2.2), so a script asks once per API.
 */
export function resourceOption(values: readonly string[] | undefined, command: string): string | undefined {
	const resources = resourcesOption(values, command);
	if (resources.length > 1) {
		throw new UsageError('Pass one --resource: a token is for one API (run the command once per API)', command);
	}
	return resources[0];
}

/** Every `--resource` of a `login`, checked, each once, in the order given. */
export function resourcesOption(values: readonly string[] | undefined, command: string): string[] {
	return [...new Set((values ?? []).map((value) => checkedResource(value, command)))];
}

/**
 * A resource indicator as RFC 8707 2 wants it: an absolute URI without a fragment. The CLI asks for a host too, which
 * catches `localhost:8080/api` (a URL whose scheme would be `localhost:`) and a bare `api.example.com`; and no user or
 * password, which the server's errors would name.
 */
function checkedResource(value: string, command: string): string {
	const url = URL.canParse(value) ? new URL(value) : undefined;
	if (url === undefined || url.host === '') {
		throw new UsageError(
			`Expected --resource to be an absolute URL with a host, such as https://api.example.com/, got "${value}"`,
			command,
		);
	}
	if (value.includes('#')) throw new UsageError('--resource must not have a fragment (RFC 8707): remove the #…', command);
	// Sent to the server and named in its errors: a password in it would be printed. Not echoed here either.
	if (url.username !== '' || url.password !== '') throw new UsageError('--resource must not carry a user or password', command);
	return value;
}
