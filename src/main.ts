#!/usr/bin/env node
/** The kurz command: `kurz --help` lists what it does (src/cli/). */
import { run } from './cli/program.js';
import { processIo } from './cli/io.js';

const code = await run(process.argv.slice(2), processIo());
// A failure may leave a half-started server's handles open: nothing is left to wait for.
if (code !== 0) process.exit(code);
