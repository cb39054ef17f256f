import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReactExample, startReactExample } from '../../examples/react/server.js';

// examples/react (`npm run example:react`) over HTTP: Vite's dev server compiles the app and resolves `tokenkeeper`
// and `tokenkeeper/react` to the built package, and the emulator lets the app's origin in. Its logins in real browsers
// are the browser tests' (test/browser).
let example: ReactExample;

beforeAll(async () => {
	example = await startReactExample();
}, 60_000);

afterAll(async () => {
	await example?.close();
}, 10_000);

const get = (path: string, headers: Record<string, string> = {}) =>
	fetch(new URL(path, example.url), { headers, signal: AbortSignal.timeout(20_000) });

/** The module specifiers a compiled module imports (`from "…"`, `import "…"`). */
const importsOf = (code: string) => [...code.matchAll(/(?:from|import)\s*"([^"]+)"/g)].map((match) => match[1] ?? '');

describe('examples/react', () => {
	it("serves the page with the provider's issuer and public client set before the app's script", async () => {
		const response = await get('/');
		expect(response.status).toBe(200);
		const html = await response.text();
		const { issuer, publicClientId } = example.emulator.credentials.oauth2;
		const config = html.indexOf(`window.TOKENKEEPER_EXAMPLE = ${JSON.stringify({ issuer, clientId: publicClientId })};`);
		expect(config).toBeGreaterThan(-1);
		expect(html.indexOf('src="/src/main.tsx"')).toBeGreaterThan(config);
	});

	it("compiles main.tsx (no JSX left) with tokenkeeper and tokenkeeper/react resolved to the package's browser build", async () => {
		const response = await get('/src/main.tsx');
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/javascript/);
		const code = await response.text();
		expect(code).not.toContain('<StrictMode>');
		expect(code).toMatch(/jsx/i);
		const imports = importsOf(code);
		expect(imports).toContainEqual(expect.stringMatching(/\/dist\/index\.browser\.js$/));
		expect(imports).toContainEqual(expect.stringMatching(/\/dist\/react\.js$/));
		expect(imports.filter((specifier) => specifier.includes('/src/') && !specifier.startsWith('/src/'))).toEqual([]);
	});

	it('serves dist/react.js importing the same tokenkeeper module as the app: one copy of the package, one session', async () => {
		const main = importsOf(await (await get('/src/main.tsx')).text());
		const react = main.find((specifier) => specifier.endsWith('/dist/react.js'));
		const index = main.find((specifier) => specifier.endsWith('/dist/index.browser.js'));
		expect(react).toBeDefined();
		const response = await get(react ?? '');
		expect(response.status).toBe(200);
		const imports = importsOf(await response.text());
		expect(imports).toContain(index);
		expect(imports.filter((specifier) => specifier.includes('/dist/') && specifier !== index)).toEqual([]);
	});

	it('compiles App.tsx and serves the popup callback page with its script', async () => {
		const app = await get('/src/App.tsx');
		expect(app.status).toBe(200);
		expect(await app.text()).not.toContain('<button');
		const popup = await get('/popup-callback.html');
		expect(popup.status).toBe(200);
		expect(await popup.text()).toContain('src="/src/popup-callback.ts"');
		const script = await get('/src/popup-callback.ts');
		expect(importsOf(await script.text())).toContainEqual(expect.stringMatching(/\/dist\/index\.browser\.js$/));
	});

	it("the emulator's discovery answers the app's origin with CORS, and not another origin", async () => {
		const discovery = new URL('/.well-known/openid-configuration', example.emulator.url);
		const allowed = await fetch(discovery, { headers: { origin: example.url }, signal: AbortSignal.timeout(5_000) });
		expect(allowed.status).toBe(200);
		expect(allowed.headers.get('access-control-allow-origin')).toBe(example.url);
		expect((await allowed.json()).issuer).toBe(example.emulator.credentials.oauth2.issuer);
		const other = await fetch(discovery, { headers: { origin: 'http://127.0.0.1:1' }, signal: AbortSignal.timeout(5_000) });
		expect(other.headers.get('access-control-allow-origin')).toBeNull();
	});
});
