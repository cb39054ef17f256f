/**
 * A confidential web app on Node (Express): people log in with the authorization code flow on the server. Each person
 * has a session of their own, whose id is the only thing in their cookie; their tokens and their login attempt (state,
 * PKCE verifier, nonce) stay on the server, in files or in Redis. The browser never sees a token.
 *
 *   npm run example:web-app                                    # against a local emulator, sessions in a temp dir
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:web-app   # sessions in Redis, for many processes
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import express, { type Request, type Response } from 'express';
import {
	createAuthorizationCodeFlow,
	createClient,
	ErrorCode,
	isLoginRequiredError,
	isTokenkeeperError,
	oauth2,
	type AuthorizationCodeFlow,
} from 'tokenkeeper';
import { createEmulator, type Emulator } from 'tokenkeeper/testing';
import { ATTEMPT_TTL, fileSessionStorage, redisSessionStorage, type SessionStorage } from './session-storage.js';

export interface WebAppConfig {
	/** Where the app is served, e.g. `https://app.example`: its redirect URI is `${appUrl}/callback`. */
	readonly appUrl: string;
	/** The OpenID Provider, and this app's registration there (a confidential client: it has a secret). */
	readonly issuer: string;
	readonly clientId: string;
	readonly clientSecret: string;
	/** The API `/api` calls (RFC 8707 resource), e.g. the emulator's `/orders/`. */
	readonly api: string;
	readonly sessions: SessionStorage;
}

const SCOPE = ['openid', 'offline_access', 'orders:read'];
/** 256 random bits, base64url: the whole cookie. Anything else a browser sends is no session of ours. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const newSessionId = () => randomBytes(32).toString('base64url');

/** The Express app: `/`, `/login`, `/callback`, `/api`, `POST /logout`. */
export function createWebApp(config: WebAppConfig): express.Express {
	const { appUrl, sessions } = config;
	const secure = appUrl.startsWith('https:');
	// `__Host-`: a browser takes the cookie only from this origin over https, for the whole site (no sibling subdomain
	// can plant one); plain http (a local run) cannot have it.
	const cookieName = secure ? '__Host-session' : 'session';
	const provider = oauth2({
		issuer: config.issuer,
		clientId: config.clientId,
		clientSecret: config.clientSecret,
		redirectUri: `${appUrl}/callback`,
		// A person's session: when its refresh token dies they log in again; it never falls back to client credentials.
		grant: 'authorization_code',
		resource: config.api,
	});

	/**
	 * The flow of one session: its tokens under its own key in the shared store, its attempts in its own storage. A flow
	 * is cheap, and holds nothing the store does not: the store (with its lock) is what makes concurrent requests of one
	 * person, in one process or many, safe. `attemptsOf`: whose login attempt the callback finishes.
	 */
	function flowOf(sessionId: string, attemptsOf = sessionId): AuthorizationCodeFlow {
		return createAuthorizationCodeFlow(provider, {
			store: sessions.tokens,
			key: `web-app:${sessionId}`,
			attemptStorage: sessions.attemptsOf(attemptsOf),
			attemptTtl: ATTEMPT_TTL,
		});
	}

	function sessionOf(request: Request): string | undefined {
		const value = parseCookies(request.headers.cookie).get(cookieName);
		return value !== undefined && SESSION_ID.test(value) ? value : undefined;
	}

	function setSession(response: Response, sessionId: string): void {
		// HttpOnly: no script reads it. SameSite=Lax: sent on the provider's redirect back (a top-level GET), not on
		// cross-site POSTs, so no other site can log this person out.
		response.cookie(cookieName, sessionId, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
	}

	const app = express();
	app.disable('x-powered-by');

	app.get('/', async (request, response) => {
		const sessionId = sessionOf(request);
		const user = sessionId === undefined ? undefined : await flowOf(sessionId).getUser();
		response.type('html').send(
			user
				? `<p>Signed in as ${escapeHtml(String(user.preferred_username ?? user.sub))}.</p>
<p><a href="/api">Call the API</a></p>
<form method="post" action="/logout"><button>Log out</button></form>`
				: '<p><a href="/login">Log in</a></p>',
		);
	});

	app.get('/login', async (request, response) => {
		const sessionId = sessionOf(request) ?? newSessionId();
		const authorizationUrl = await flowOf(sessionId).createAuthorizationUrl({ scope: SCOPE });
		setSession(response, sessionId);
		response.redirect(302, authorizationUrl);
	});

	app.get('/callback', async (request, response) => {
		const sessionId = sessionOf(request);
		if (sessionId === undefined) {
			response.status(400).type('text').send('No login in progress in this browser: log in again.');
			return;
		}
		// The signed-in session gets a new id: an id known before the login (planted by someone else, say) is worth
		// nothing after it. The attempt is the old session's, and only that session's attempts are looked at.
		const signedIn = newSessionId();
		try {
			await flowOf(signedIn, sessionId).handleCallback(new URL(request.originalUrl, appUrl));
		} catch (error) {
			if (isTokenkeeperError(error) && error.code === ErrorCode.AuthorizationResponse) {
				response.status(400).type('text').send(error.message);
				return;
			}
			throw error;
		}
		// A person who logs in again while signed in leaves their previous tokens behind: they go.
		await flowOf(sessionId).tokens.clear();
		setSession(response, signedIn);
		response.redirect(302, '/');
	});

	app.get('/api', async (request, response) => {
		const sessionId = sessionOf(request);
		if (sessionId === undefined) {
			response.status(401).json({ error: 'login_required' });
			return;
		}
		const api = createClient({ prefixUrl: config.api, auth: flowOf(sessionId).tokens });
		try {
			response.json(await api.get('recent').json());
		} catch (error) {
			if (!isLoginRequiredError(error)) throw error;
			response.status(401).json({ error: 'login_required' });
		}
	});

	app.post('/logout', async (request, response) => {
		const sessionId = sessionOf(request);
		response.clearCookie(cookieName, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
		if (sessionId === undefined) {
			response.redirect(303, '/');
			return;
		}
		// Revokes the tokens, forgets them, and names the provider's end-session URL (OpenID RP-Initiated Logout).
		const { endSessionUrl } = await flowOf(sessionId).logout({ postLogoutRedirectUri: `${appUrl}/` });
		response.redirect(303, endSessionUrl ?? '/');
	});

	// tokenkeeper's messages hold no secret; still, the browser gets none of the details.
	app.use((error: unknown, _request: Request, response: Response, _next: express.NextFunction) => {
		console.error(`web-app: ${String(error)}`);
		response.status(500).type('text').send('Something went wrong.');
	});
	return app;
}

function parseCookies(header: string | undefined): Map<string, string> {
	const cookies = new Map<string, string>();
	for (const pair of header?.split(';') ?? []) {
		const separator = pair.indexOf('=');
		if (separator > 0) cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
	}
	return cookies;
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export interface WebAppExample {
	readonly url: string;
	readonly emulator: Emulator;
	/** Where the sessions' tokens and login attempts are. */
	readonly sessions: SessionStorage;
	close(): Promise<void>;
}

/**
 * The app on 127.0.0.1 against a local emulator's OpenID Provider, with its confidential client. Sessions in files
 * under a temp dir (removed on close), or in Redis at `redisUrl`.
 */
export async function startWebApp(options: { port?: number; redisUrl?: string } = {}): Promise<WebAppExample> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
	const emulator = await createEmulator({ providers: ['oauth2'] });
	const dir = options.redisUrl ? undefined : await mkdtemp(path.join(tmpdir(), 'tokenkeeper-web-app-'));
	const sessions = dir === undefined ? await redisSessionStorage(options.redisUrl!) : await fileSessionStorage(dir);
	const { issuer, clientId, clientSecret = '', resources } = emulator.credentials.oauth2;
	server.on('request', createWebApp({ appUrl: url, issuer, clientId, clientSecret, api: resources[0]!, sessions }));
	return {
		url,
		emulator,
		sessions,
		async close() {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
			await sessions.close();
			await emulator.close();
			if (dir !== undefined) await rm(dir, { recursive: true, force: true });
		},
	};
}

async function main(): Promise<void> {
	const example = await startWebApp({ port: Number(process.env.PORT ?? 3000), redisUrl: process.env.REDIS_URL });
	console.log(`web app on ${example.url} (sessions in ${process.env.REDIS_URL ? 'Redis' : 'a temp dir'}); Ctrl-C stops it`);
	process.once('SIGINT', () => void example.close());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch((error: unknown) => {
		console.error(String(error));
		process.exitCode = 1;
	});
}
