#!/usr/bin/env node
/**
 * The `tokenkeeper` command. Node-only; it uses the SDK and the emulator's server, never msw.
 * @example
 * export TOKENKEEPER_CLIENT_SECRET=…
 * TOKEN=$(npx --no tokenkeeper token squidex --client-id food-crunch:default)
 */
import { createProcessContext } from './context.js';
import { main } from './main.js';

process.exitCode = await main(createProcessContext());
