import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/index.js';
import { createMemoryStore as createBrowserMemoryStore } from '../../src/stores/memory.browser.js';
import { describeTokenStoreConformance } from './conformance.js';

const vitest = { describe, it, expect, beforeEach, afterEach };

describeTokenStoreConformance('memory (lru-cache)', { create: () => createMemoryStore() }, vitest);
describeTokenStoreConformance('memory (browser build, Map)', { create: () => createBrowserMemoryStore() }, vitest);
