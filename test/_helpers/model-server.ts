/**
 * An in-process model of a token endpoint that rotates refresh tokens, for property tests: a `fetch` to hand to
 * the manager. It numbers every token it issues (`AT-7`, `RT-7`: a bigger number is a newer token), and records
 * what a real server would notice: how many token requests are in flight at once, refresh tokens presented after
 * they were used or refused, and unknown refresh tokens.
 */

/** What the next token request meets instead of a normal answer. */
export type ModelFault =
	/** 503: not processed, nothing spent (a transient failure). */
	| 'unavailable'
	/** The connection fails before the server reads the request: nothing spent. */
	| 'network'
	/** The server refuses: `invalid_grant` for a refresh (the refresh token dies), `invalid_client` otherwise. */
	| 'refuse';

/** A refresh token's life at the server. */
type RefreshState = 'active' | 'used' | 'revoked' | 'refused';

export interface ModelServerOptions {
	/** Where the server's answer waits: a fast-check scheduler's `schedule`, or nothing (answer at once). */
	readonly schedule?: <T>(task: Promise<T>, label: string) => Promise<T>;
	/** Seconds each access token lives. Default 3600. */
	readonly expiresIn?: number;
	/** Whether a refresh rotates the refresh token. Default true. */
	readonly rotate?: boolean;
	/** Whether client credentials also issue a refresh token. Default true (it exercises rule 3). */
	readonly refreshTokenWithGrant?: boolean;
}

export interface ModelServer {
	readonly fetch: typeof fetch;
	/** Tokens issued outside the endpoint (an app's own login): registered, numbered like the others. */
	mintSession(): { accessToken: string; refreshToken: string };
	/** Queue a fault for the next token request. */
	fail(fault: ModelFault): void;
	/** Forget the faults not served yet. */
	clearFaults(): void;
	/** Every active refresh token is revoked (the session ended at the server). */
	revokeAll(): void;
	/** Number of a token (`AT-7` -> 7); -1 for anything else. */
	indexOf(token: string | undefined): number;
	readonly stats: {
		requests: number;
		grants: number;
		refreshes: number;
		inFlight: number;
		maxInFlight: number;
		/** A refresh token presented after it had been used (rotation) or refused: must stay 0. */
		reuse: number;
		/** A refresh token the server never issued: must stay 0. */
		unknown: number;
		/** Refresh tokens refused (revoked, or a `refuse` fault): the session is over for the person. */
		refused: number;
		/** Number of the newest token issued or minted. */
		newest: number;
	};
}

export function createModelServer(options: ModelServerOptions = {}): ModelServer {
	const { schedule = (task) => task, expiresIn = 3600, rotate = true, refreshTokenWithGrant = true } = options;
	const refreshTokens = new Map<string, RefreshState>();
	const faults: ModelFault[] = [];
	const stats = { requests: 0, grants: 0, refreshes: 0, inFlight: 0, maxInFlight: 0, reuse: 0, unknown: 0, refused: 0, newest: 0 };

	function mint(): number {
		stats.newest += 1;
		return stats.newest;
	}

	function json(body: unknown, status = 200): Response {
		return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
	}

	function issue(withRefresh: boolean): Response {
		const n = mint();
		const body: Record<string, unknown> = { access_token: `AT-${n}`, token_type: 'Bearer', expires_in: expiresIn };
		if (withRefresh) {
			body.refresh_token = `RT-${n}`;
			refreshTokens.set(`RT-${n}`, 'active');
		}
		return json(body);
	}

	function answer(parameters: URLSearchParams): Response {
		const fault = faults.shift();
		const grantType = parameters.get('grant_type');
		if (grantType !== 'refresh_token') {
			stats.grants += 1;
			if (fault === 'unavailable') return new Response('unavailable', { status: 503 });
			if (fault === 'refuse') return json({ error: 'invalid_client' }, 401);
			return issue(refreshTokenWithGrant);
		}
		stats.refreshes += 1;
		const presented = parameters.get('refresh_token') ?? '';
		const state = refreshTokens.get(presented);
		if (state === undefined) {
			stats.unknown += 1;
			return json({ error: 'invalid_grant', error_description: 'unknown refresh token' }, 400);
		}
		if (state === 'used' || state === 'refused') {
			stats.reuse += 1;
			return json({ error: 'invalid_grant', error_description: 'refresh token already used' }, 400);
		}
		if (fault === 'unavailable') return new Response('unavailable', { status: 503 });
		if (state === 'revoked' || fault === 'refuse') {
			refreshTokens.set(presented, 'refused');
			stats.refused += 1;
			return json({ error: 'invalid_grant', error_description: 'refresh token revoked' }, 400);
		}
		if (!rotate) {
			const n = mint();
			return json({ access_token: `AT-${n}`, token_type: 'Bearer', expires_in: expiresIn });
		}
		refreshTokens.set(presented, 'used');
		return issue(true);
	}

	const modelFetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
		stats.requests += 1;
		stats.inFlight += 1;
		stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
		try {
			const parameters = new URLSearchParams(String(init?.body ?? ''));
			await schedule(Promise.resolve(), `token request ${parameters.get('grant_type')} ${parameters.get('refresh_token') ?? ''}`.trim());
			init?.signal?.throwIfAborted();
			// A network fault is decided when the answer would be sent: nothing reached the server's logic.
			if (faults[0] === 'network') {
				faults.shift();
				throw new TypeError('fetch failed');
			}
			return answer(parameters);
		} finally {
			stats.inFlight -= 1;
		}
	};

	return {
		fetch: modelFetch as typeof fetch,
		mintSession() {
			const n = mint();
			refreshTokens.set(`RT-${n}`, 'active');
			return { accessToken: `AT-${n}`, refreshToken: `RT-${n}` };
		},
		fail(fault) {
			faults.push(fault);
		},
		clearFaults() {
			faults.length = 0;
		},
		revokeAll() {
			for (const [token, state] of refreshTokens) if (state === 'active') refreshTokens.set(token, 'revoked');
		},
		indexOf(token) {
			const match = /^(?:AT|RT)-(\d+)$/.exec(token ?? '');
			return match ? Number(match[1]) : -1;
		},
		stats,
	};
}
