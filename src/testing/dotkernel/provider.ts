import type { NormalizedOptions } from '../emulator/options.js';
import type { EmulatorState, ProviderModule } from '../emulator/provider-module.js';
import { bearerToken } from '../emulator/request-parsing.js';
import { json, methodNotAllowed } from '../emulator/responses.js';
import { createDotkernelTokenEndpoint, DOTKERNEL } from './token.js';

const TOKEN_PATHS = new Set(['/security/generate-token', '/security/refresh-token']);
/** Each account route and the role it needs. */
const ACCOUNT_ROUTES: ReadonlyMap<string, string> = new Map([
	['/user/my-account', 'user'],
	['/admin/my-account', 'admin'],
]);
/** Prefixes of Dotkernel API routes the emulator does not model: they answer Dotkernel's 404. */
const OTHER_PREFIXES = ['/security/', '/user/', '/admin/'];

/**
 * Dotkernel API as documented, plus what its source does: a missing, unknown, revoked or expired
 * access token makes the caller `guest`, and a guest on a protected route gets 403, never 401.
 */
export function createDotkernelProvider(state: EmulatorState, options: NormalizedOptions): ProviderModule {
	const token = createDotkernelTokenEndpoint(state, options);

	function account(role: string) {
		return async (request: Request): Promise<Response> => {
			if (request.method !== 'GET') return methodNotAllowed(['GET'], { error: { messages: ['Method not allowed.'] } });
			const record = state.tokens.validAccess(bearerToken(request), DOTKERNEL);
			// A guest and a logged-in account of the wrong role get the same answer.
			if (!record?.roles.includes(role)) {
				return json({ error: { messages: ['You are not allowed to access this resource.'] } }, 403);
			}
			return json({
				uuid: `emulated-${record.subject ?? 'account'}`,
				identity: record.subject,
				status: 'active',
				isDeleted: false,
				roles: record.roles.map((name) => ({ name })),
			});
		};
	}

	const accounts = new Map([...ACCOUNT_ROUTES].map(([path, role]) => [path, account(role)]));
	const notFound = async (): Promise<Response> => json({ error: { messages: ['Resource not found.'] } }, 404);

	return {
		name: DOTKERNEL,
		route(_method, url) {
			if (TOKEN_PATHS.has(url.pathname)) return { target: 'token', handle: token };
			const handle = accounts.get(url.pathname);
			if (handle) return { target: 'api', handle };
			if (OTHER_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) return { handle: notFound };
			return undefined;
		},
	};
}
