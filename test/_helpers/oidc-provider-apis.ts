import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** Why an API refused a request: no token, a token for another API, past its `exp`, killed by a switch, or forged. */
export type Rejection = 'missing' | 'audience' | 'expired' | 'expired-by-switch' | 'revoked' | 'invalid';

/** One API's calls. */
export interface ApiCounters {
	ok: number;
	rejected: number;
	rejectedFor: Partial<Record<Rejection, number>>;
}

/** The APIs (resource servers) beside the provider, each accepting only JWT access tokens whose `aud` is itself. */
export interface ResourceApis {
	/** Serves `req` if its path is under one of the APIs; `false` when it is not an API's. */
	serve(req: IncomingMessage, res: ServerResponse): boolean;
	/** Every access token issued so far (by `jti`) is refused from now on, for `reason`. */
	kill(reason: 'expired-by-switch' | 'revoked'): void;
	/** Remembers an issued access token, so that a later `kill()` reaches it. */
	issued(jti: string): void;
	counters(): Record<string, ApiCounters>;
	resetCounters(): void;
}

const freshCounters = (): ApiCounters => ({ ok: 0, rejected: 0, rejectedFor: {} });

/**
 * Resource servers that check tokens as an API must (RFC 9068 JWT access tokens): signature against the provider's
 * JWKS (fetched from its `jwks_uri`, as a real API would), `typ` `at+jwt`, `iss`, `aud` equal to the API's resource
 * indicator (RFC 8707), `exp`. The switches kill tokens by `jti`, since a JWT cannot be recalled from its holder.
 */
export function createResourceApis(issuer: string, resources: readonly string[]): ResourceApis {
	const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));
	const issuedJtis = new Set<string>();
	const killed = new Map<string, Rejection>();
	let counters = Object.fromEntries(resources.map((resource) => [resource, freshCounters()]));

	async function check(resource: string, authorization: string | undefined): Promise<Record<string, unknown> | Rejection> {
		const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
		if (!token) return 'missing';
		try {
			const { payload } = await jwtVerify(token, keys, { issuer, audience: resource, typ: 'at+jwt', algorithms: ['RS256'] });
			return (payload.jti && killed.get(payload.jti)) || payload;
		} catch (error) {
			if (error instanceof errors.JWTExpired) return 'expired';
			if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') return 'audience';
			return 'invalid';
		}
	}

	async function answer(resource: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
		const verdict = await check(resource, req.headers.authorization);
		const count = counters[resource] ?? freshCounters();
		if (typeof verdict === 'string') {
			count.rejected += 1;
			count.rejectedFor[verdict] = (count.rejectedFor[verdict] ?? 0) + 1;
			// RFC 6750 3.1: no error code when the request carried no token.
			const challenge = verdict === 'missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${verdict}"`;
			res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge });
			res.end(JSON.stringify({ error: 'invalid_token', reason: verdict }));
			return;
		}
		count.ok += 1;
		const { aud, sub, client_id, scope } = verdict;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ resource, path: req.url, aud, sub, client_id, scope }));
	}

	return {
		serve(req, res) {
			const url = new URL(req.url ?? '/', issuer).href;
			const resource = resources.find((candidate) => url.startsWith(candidate));
			if (!resource) return false;
			answer(resource, req, res).catch((error: unknown) => {
				res.writeHead(500, { 'content-type': 'text/plain' });
				res.end(`resource server stub failed: ${String(error)}`);
			});
			return true;
		},
		kill(reason) {
			for (const jti of issuedJtis) if (!killed.has(jti)) killed.set(jti, reason);
		},
		issued(jti) {
			issuedJtis.add(jti);
		},
		counters: () => structuredClone(counters),
		resetCounters() {
			counters = Object.fromEntries(resources.map((resource) => [resource, freshCounters()]));
		},
	};
}
