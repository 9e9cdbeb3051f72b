#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `herald` works straight from a clone.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
if (code !== -1) process.exitCode = code;
