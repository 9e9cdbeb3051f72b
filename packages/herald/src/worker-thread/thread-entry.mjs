// The delivery worker thread's entry point. A worker thread does not inherit the main thread's
// TypeScript loader, so it registers its own before loading the thread's code (as bin/herald.mjs
// does for the CLI).
import { register } from 'tsx/esm/api';

register();
await import('./thread-main.ts');
