/**
 * Bundled for a browser page (every engine) by indexed-db.test.ts: the store conformance suite against the browser's real
 * IndexedDB and Web Locks, each peer handle standing in for another tab of the origin.
 */
import { chai, JestAsymmetricMatchers, JestChaiExpect, JestExtend } from '@vitest/expect';
import { createIndexedDbStore } from '../../src/stores/browser/indexed-db.js';
import { createPageRunner } from '../_helpers/page-runner.js';
import { describeTokenStoreConformance, type TestApi } from '../stores/conformance.js';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);
const expect = ((value: unknown, message?: string) => chai.expect(value, message)) as unknown as TestApi['expect'];

export const runner = createPageRunner(expect);
let databaseCount = 0;
let databaseName = '';
describeTokenStoreConformance(
	'IndexedDB in a browser page',
	{
		create: () => {
			databaseCount += 1;
			databaseName = `conformance-${databaseCount}`;
			return createIndexedDbStore({ databaseName });
		},
		peer: () => createIndexedDbStore({ databaseName }),
	},
	runner.api,
);

(globalThis as { runConformance?: () => Promise<unknown> }).runConformance = () => runner.run();
