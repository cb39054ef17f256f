import { defineConfig } from 'vite';

/**
 * The React example's Vite config, used by server.ts (`npm run example:react`). No React plugin: esbuild compiles the
 * JSX with React's automatic runtime, which is all a small app needs (Fast Refresh is the plugin's extra).
 * `tokenkeeper` and `tokenkeeper/react` are the package itself (its self-reference), resolved through package.json's
 * exports with the browser condition to the built files in dist/, as an app that installed the package gets them.
 */
export default defineConfig({
	esbuild: { jsx: 'automatic' },
	resolve: { conditions: ['browser', 'import', 'module', 'default'] },
});
