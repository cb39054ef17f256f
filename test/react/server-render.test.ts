import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The app as a server renders it (Next.js, Remix): the built package in a fresh Node process, which has no window,
 * document, location, history or storage: a use of any of them would throw. `fetch` and the timers are watched, so that
 * rendering is seen to ask for no token and to leave nothing running.
 */
const SERVER_RENDER = `
const calls = { fetch: 0, timers: 0 };
globalThis.fetch = async () => { calls.fetch += 1; throw new Error('no request on the server'); };
const setTimer = globalThis.setTimeout;
globalThis.setTimeout = (...args) => { calls.timers += 1; return setTimer(...args); };
const { createElement: h, StrictMode } = React;
const flow = tokenkeeper.createAuthorizationCodeFlow(
	tokenkeeper.oauth2({ issuer: 'https://id.example', clientId: 'spa', redirectUri: 'https://app.example/', grant: 'authorization_code' }),
	{ storage: 'local' },
);
function Status() {
	const { status, user, error } = bindings.useSession();
	const api = bindings.useClient({ prefixUrl: 'https://api.example/' });
	const getAccessToken = bindings.useAccessToken();
	return h('p', null, status, ' ', String(user?.sub), ' ', String(error), ' ', typeof api.get, ' ', typeof getAccessToken);
}
const html = server.renderToString(h(StrictMode, null, h(bindings.TokenkeeperProvider, { flow }, h(Status))));
console.log(JSON.stringify({ html, calls, snapshot: flow.getSnapshot() }));
`;

const expected = {
	html: '<p>loading<!-- --> <!-- -->undefined<!-- --> <!-- -->undefined<!-- --> <!-- -->function<!-- --> <!-- -->function</p>',
	calls: { fetch: 0, timers: 0 },
	snapshot: { status: 'loading' },
};

function runNode(args: string[], code: string): unknown {
	return JSON.parse(execFileSync(process.execPath, [...args, code], { cwd: root, encoding: 'utf8', timeout: 30_000 }));
}

describe('tokenkeeper/react rendered on a server', () => {
	it('ESM: renders `loading`, touches no browser API, sends no request and starts no timer', () => {
		const prelude = `
			import * as React from 'react';
			import * as server from 'react-dom/server';
			import * as tokenkeeper from 'tokenkeeper';
			import * as bindings from 'tokenkeeper/react';`;
		expect(runNode(['--input-type=module', '-e'], prelude + SERVER_RENDER)).toEqual(expected);
	});

	it('CJS: the same with require()', () => {
		const prelude = `
			const React = require('react');
			const server = require('react-dom/server');
			const tokenkeeper = require('tokenkeeper');
			const bindings = require('tokenkeeper/react');`;
		expect(runNode(['-e'], prelude + SERVER_RENDER)).toEqual(expected);
	});

	it("the built module starts with 'use client' (React Server Components render it on the client)", async () => {
		const { readFileSync } = await import('node:fs');
		for (const file of ['dist/react.js', 'dist/react.cjs']) {
			expect(readFileSync(`${root}/${file}`, 'utf8').startsWith("'use client';\n")).toBe(true);
		}
	});
});
