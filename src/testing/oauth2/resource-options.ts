import { InvalidOptionError } from '../../errors.js';
import { describeValue, invalidOption } from '../../options.js';
import { isScopeToken } from '../authorization-server/server-config.js';

/** A protected resource (an API) of the emulated OAuth2 server (RFC 8707, RFC 9728). */
export interface OAuth2EmulatorResource {
	/**
	 * Where the API answers on the emulator, e.g. `'/orders/'`: it serves that path and everything under it, and its
	 * resource identifier (the `resource` to ask tokens for, their audience) is the emulator's URL followed by it,
	 * e.g. `http://127.0.0.1:43123/orders/`.
	 */
	path: string;
	/**
	 * The scopes it knows, named in its metadata (`scopes_supported`): a token for it carries only these of the scope
	 * asked or granted. Default: none named, and its tokens carry the whole scope.
	 */
	scopes?: ReadonlyArray<string>;
}

/** A resource option, validated. */
export interface NormalizedResourceOption {
	readonly path: string;
	readonly scopes: readonly string[] | undefined;
}

/** Two APIs out of the box, so `createEmulator()` can show one login serving several APIs. */
export const DEFAULT_RESOURCES: readonly OAuth2EmulatorResource[] = [
	{ path: '/orders/', scopes: ['orders:read', 'orders:write'] },
	{ path: '/billing/', scopes: ['billing:read'] },
];

// Paths the emulator's providers serve: a resource there would hide them, or be hidden.
const RESERVED_PREFIXES = ['/.well-known/', '/oauth2/', '/api/', '/identity-server/', '/security/', '/user/', '/admin/'];

/** The identifier of the resource at `path` of the emulator at `url` (no trailing slash). */
export function resourceIdentifier(url: string, path: string): string {
	return `${url}${path}`;
}

/** Validates `oauth2.resources`, throwing an InvalidOptionError (a TypeError) that names the bad field. */
export function checkResources(resources: ReadonlyArray<OAuth2EmulatorResource>): NormalizedResourceOption[] {
	if (!Array.isArray(resources)) throw invalidOption('oauth2.resources', 'an array', resources);
	const checked: NormalizedResourceOption[] = [];
	resources.forEach((resource, index) => {
		const option = `oauth2.resources[${index}]`;
		const path = checkPath(`${option}.path`, resource?.path);
		const overlapping = checked.find((other) => overlaps(other.path, path));
		if (overlapping !== undefined) {
			throw new InvalidOptionError(
				`${option}.path`,
				`Expected \`${option}.path\` outside every other resource, got "${path}" beside "${overlapping.path}"`,
			);
		}
		checked.push({ path, scopes: checkScopes(`${option}.scopes`, resource.scopes) });
	});
	return checked;
}

// An absolute path as the URL parser keeps it (no dot segments, no query or fragment, encoded as sent), not the root.
function checkPath(option: string, path: unknown): string {
	const expected = 'an absolute path such as "/orders/" (no query, no fragment, not "/")';
	if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path === '/')
		throw invalidOption(option, expected, path, true);
	if (new URL(path, 'http://emulator.test').pathname !== path) throw invalidOption(option, expected, path, true);
	const reserved = RESERVED_PREFIXES.find((prefix) => overlaps(prefix, path));
	if (reserved !== undefined) {
		throw new InvalidOptionError(option, `Expected \`${option}\` outside the emulator's own ${reserved}, got ${describeValue(path, true)}`);
	}
	return path;
}

function checkScopes(option: string, scopes: ReadonlyArray<string> | undefined): string[] | undefined {
	if (scopes === undefined) return undefined;
	const expected = 'an array of scope names (printable ASCII, no space, `"` or `\\`)';
	if (!Array.isArray(scopes)) throw invalidOption(option, expected, scopes);
	const bad = scopes.findIndex((scope) => typeof scope !== 'string' || !isScopeToken(scope));
	if (bad !== -1) {
		throw new InvalidOptionError(option, `Expected \`${option}\` to be ${expected}, got ${describeValue(scopes[bad], true)} in it`);
	}
	return [...new Set(scopes)];
}

/** Whether a request could belong to both paths: one is the other, or inside it. */
function overlaps(a: string, b: string): boolean {
	const [dirA, dirB] = [a.endsWith('/') ? a : `${a}/`, b.endsWith('/') ? b : `${b}/`];
	return dirA.startsWith(dirB) || dirB.startsWith(dirA);
}

/** Whether `pathname` is served by the resource at `path`: the path itself, or anything under it. */
export function servesPath(path: string, pathname: string): boolean {
	return pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
}
